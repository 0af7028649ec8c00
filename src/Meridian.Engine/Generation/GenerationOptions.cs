// User knobs of one generation: how long, and which token ids end it.
using Meridian.Engine.Sampling;

namespace Meridian.Engine.Generation;

/// <summary>How long to generate and when to stop.</summary>
/// <param name="MaxTokens">Most tokens to generate; <see cref="int.MaxValue"/> = until a stop or a full context.</param>
/// <param name="StopTokens">Ids that end generation (EOS, EOT, ...); the stopping id is not emitted.</param>
public sealed record GenerationOptions(int MaxTokens, IReadOnlySet<int> StopTokens)
{
    /// <summary>
    /// The stopping knobs of <paramref name="sampling"/>: <see cref="SamplingOptions.MaxTokens"/> (null =
    /// no limit) and the vocabulary's <paramref name="endOfGenerationIds"/> unless
    /// <see cref="SamplingOptions.IgnoreEos"/>. Stop strings act on text, so the caller applies them
    /// (<see cref="TextStream"/>).
    /// </summary>
    public static GenerationOptions From(SamplingOptions sampling, IEnumerable<int> endOfGenerationIds)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(endOfGenerationIds);
        IReadOnlySet<int> stops = sampling.IgnoreEos ? new HashSet<int>() : endOfGenerationIds.ToHashSet();
        return new GenerationOptions(sampling.MaxTokens ?? int.MaxValue, stops);
    }
}
