// What `tokenize` measured, in the shape --json prints (snake_case through BenchJsonContext).
namespace Meridian.Bench.Tokenize;

internal sealed record TokenizeBenchReport(
    MachineInfo Machine,
    TextInfo Text,
    int Reps,
    IReadOnlyList<string> Peers,
    IReadOnlyList<EncodeResult> Results,
    IReadOnlyList<RatioResult> Ratios,
    IReadOnlyList<DecodeResult> Decode,
    IReadOnlyList<ReferenceCheck> ReferenceChecks,
    IReadOnlyList<string> Notes);

internal sealed record TextInfo(string Path, int Chars, int Utf8Bytes);

/// <param name="Mode">"warm": the instance already encoded the text once; "cold": first encode on a fresh instance.</param>
/// <param name="TokensPerSecond">Mean over reps of this engine's own token count / seconds.</param>
/// <param name="Stddev">Sample standard deviation of tokens/s over reps.</param>
/// <param name="IdsMatchOurs">Whether the ids equal ours exactly (true on our own rows).</param>
/// <param name="DifferingTokens">Our tokens the engine does not produce with the same id at the same byte offset.</param>
/// <param name="LengthDifference">Engine token count minus ours.</param>
internal sealed record EncodeResult(
    string Vocab,
    string Engine,
    string Mode,
    int Tokens,
    double TokensPerSecond,
    double Stddev,
    bool IdsMatchOurs,
    int DifferingTokens,
    int LengthDifference,
    double SecondsMean,
    double SecondsStddev);

/// <summary>Ours over the peer in tokens/s (above 1: ours is faster); null where that peer did not run.</summary>
internal sealed record RatioResult(string Vocab, string Mode, double? MeridianOverHf, double? MeridianOverMltokenizers);

/// <param name="RoundTrip">Whether decoding the engine's own ids gave back the text exactly.</param>
internal sealed record DecodeResult(string Vocab, string Engine, int Tokens, double SecondsMean, double SecondsStddev, bool RoundTrip);

/// <summary>Our ids against committed reference ids that two independent implementations agree on.</summary>
internal sealed record ReferenceCheck(string Vocab, string Reference, bool IdsEqual, int DifferingTokens, int LengthDifference);
