// What the fake OpenAI server (FakeOpenAiServer) does for one streaming request: a status, then a scripted number
// of text chunks at scripted delays, an optional usage chunk, and one of several endings.
namespace Meridian.Cli.Tests.Bench.Serve;

/// <param name="Chunks">Text chunks ("tok{i} ") sent after the first delay, <paramref name="GapMs"/> apart.</param>
/// <param name="UsageTokens">completion_tokens of a final usage chunk; null: no usage chunk.</param>
/// <param name="Status">Not 200: that status and a JSON error body, no stream.</param>
internal sealed record FakeStream(int Chunks, int FirstDelayMs = 0, int GapMs = 0, int? UsageTokens = null,
    FakeStream.End Ending = FakeStream.End.Done, int Status = 200)
{
    public enum End
    {
        /// <summary>data: [DONE], then the body closes.</summary>
        Done,
        /// <summary>The connection is aborted after half the chunks.</summary>
        Cut,
        /// <summary>The body closes cleanly without data: [DONE].</summary>
        NoDone,
        /// <summary>A data line that is not JSON, then [DONE].</summary>
        Malformed,
        /// <summary>An OpenAI error object as a chunk, then [DONE].</summary>
        ErrorChunk,
        /// <summary>A line that is no SSE field at all, then [DONE].</summary>
        NotSse,
    }

    /// <summary>Chunks every request gets with usage matching them and no delays.</summary>
    public static FakeStream Quick(int chunks) => new(chunks, UsageTokens: chunks);
}
