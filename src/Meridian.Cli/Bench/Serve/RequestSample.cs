// What one streamed request of `meridian bench serve` measured. Times are Stopwatch timestamps
// (Stopwatch.GetTimestamp), so samples of one run compare directly.
using System.Diagnostics;

namespace Meridian.Cli.Bench.Serve;

/// <param name="SentAt">Just before the request was handed to HttpClient.</param>
/// <param name="EndedAt">When the stream ended (after data: [DONE]) or the request failed.</param>
/// <param name="FirstTokenAt">The first chunk with non-empty text; null if none came.</param>
/// <param name="LastTokenAt">The last chunk with non-empty text; null if none came.</param>
/// <param name="Tokens">Generated tokens: the usage chunk's completion_tokens, else the number of chunks with text.</param>
/// <param name="Error">Why the request failed; null when it succeeded.</param>
internal sealed record RequestSample(long SentAt, long EndedAt, long? FirstTokenAt, long? LastTokenAt, int Tokens, string? Error)
{
    public bool Ok => Error is null;

    /// <summary>Time to first token: request sent to the first chunk with text, ms; null without one.</summary>
    public double? TtftMs => FirstTokenAt is { } first ? Milliseconds(SentAt, first) : null;

    /// <summary>Time per output token after the first: (last token time − first token time) / (tokens − 1), ms; null below 2 tokens.</summary>
    public double? TpotMs => FirstTokenAt is { } first && LastTokenAt is { } last && Tokens >= 2 ? Milliseconds(first, last) / (Tokens - 1) : null;

    public static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
