// What one generation did, with timings for the tokens/s report.
namespace Meridian.Engine.Generation;

/// <summary>Why generation ended.</summary>
public enum StopReason
{
    /// <summary>MaxTokens were generated.</summary>
    Length,

    /// <summary>A stop token (EOS) was sampled.</summary>
    StopToken,

    /// <summary>The caller ended it after a token (a stop string appeared in the text).</summary>
    StopString,

    /// <summary>The KV cache is full.</summary>
    ContextFull,
}

/// <summary>Counts and timings of one generation.</summary>
public sealed record GenerationResult(int PromptTokens, int GeneratedTokens, TimeSpan PromptTime, TimeSpan GenerationTime, StopReason StopReason)
{
    /// <summary>Prompt tokens processed per second.</summary>
    public double PromptTokensPerSecond => PromptTokens / Math.Max(PromptTime.TotalSeconds, 1e-9);

    /// <summary>Generated tokens per second (decode steps).</summary>
    public double GenerationTokensPerSecond => GeneratedTokens / Math.Max(GenerationTime.TotalSeconds, 1e-9);
}
