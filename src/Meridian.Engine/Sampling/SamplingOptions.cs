// User knobs for picking the next token (OpenAI / llama.cpp sampling parameters), plus the
// per-request stopping knobs the generation loop reads. Plain data; Validate() is the boundary.
namespace Meridian.Engine.Sampling;

/// <summary>
/// Sampling and stopping parameters for one request. Each knob has an "off" value that makes it a
/// no-op; defaults are all "off" except <see cref="Temperature"/> = 1 (OpenAI's default).
/// See <see cref="Sampler"/> for the order in which they are applied.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>OpenAI caps top_logprobs at 20; so do we.</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>Divides the logits before the final softmax. 0 = greedy argmax; negative is rejected.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep the K highest logits. 0 or -1 = off.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability sums to ≥ TopP. 1 = off.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens whose probability is below MinP × the top token's probability. 0 = off.</summary>
    public float MinP { get; init; }

    /// <summary>CTRL / llama.cpp repetition penalty: positive logits of seen tokens are divided by it,
    /// non-positive ones multiplied. 1 = off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>OpenAI frequency penalty: logit -= count × FrequencyPenalty. 0 = off. Range [-2, 2].</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>OpenAI presence penalty: logit -= PresencePenalty if count > 0. 0 = off. Range [-2, 2].</summary>
    public float PresencePenalty { get; init; }

    /// <summary>How many of the most recent history tokens the penalties count. -1 = the whole
    /// history passed to <see cref="Sampler.Sample"/>, 0 = penalties off. llama.cpp's default is 64.</summary>
    public int PenaltyLastN { get; init; } = 64;

    /// <summary>Added to the logit of each token id. <see cref="float.NegativeInfinity"/> bans the token.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Seed for the sampler's RNG; the same seed, logits and history give the same tokens.
    /// Null = a random seed (readable afterwards from <see cref="Sampler.Seed"/>).</summary>
    public ulong? Seed { get; init; }

    /// <summary>Most tokens to generate; null = until end-of-sequence or the context is full.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Generation stops when the output text contains one of these; the stop string itself is
    /// not returned (OpenAI behaviour). See <see cref="StopStringMatcher"/>.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Keep generating past the end-of-sequence token (benchmarks).</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>Report the log-probability of each sampled token (OpenAI <c>logprobs</c>).</summary>
    public bool Logprobs { get; init; }

    /// <summary>Also report this many most likely alternatives per position, 0..20 (OpenAI <c>top_logprobs</c>).</summary>
    public int TopLogprobs { get; init; }

    /// <summary>True when sampling is a plain argmax.</summary>
    public bool IsGreedy => Temperature <= 0f;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that is out of range.
    /// Token ids in <see cref="LogitBias"/> are checked against the vocabulary by <see cref="Sampler"/>.</summary>
    public void Validate()
    {
        if (!float.IsFinite(Temperature) || Temperature < 0f)
            throw Invalid(nameof(Temperature), $"must be a finite number ≥ 0 (0 = greedy), got {Temperature}");
        if (TopK < -1)
            throw Invalid(nameof(TopK), $"must be ≥ 1, or 0 / -1 for off, got {TopK}");
        if (!(TopP > 0f && TopP <= 1f))
            throw Invalid(nameof(TopP), $"must be in (0, 1] (1 = off), got {TopP}");
        if (!(MinP >= 0f && MinP <= 1f))
            throw Invalid(nameof(MinP), $"must be in [0, 1] (0 = off), got {MinP}");
        if (!float.IsFinite(RepetitionPenalty) || RepetitionPenalty <= 0f)
            throw Invalid(nameof(RepetitionPenalty), $"must be a finite number > 0 (1 = off), got {RepetitionPenalty}");
        if (!(FrequencyPenalty >= -2f && FrequencyPenalty <= 2f))
            throw Invalid(nameof(FrequencyPenalty), $"must be in [-2, 2] (0 = off), got {FrequencyPenalty}");
        if (!(PresencePenalty >= -2f && PresencePenalty <= 2f))
            throw Invalid(nameof(PresencePenalty), $"must be in [-2, 2] (0 = off), got {PresencePenalty}");
        if (PenaltyLastN < -1)
            throw Invalid(nameof(PenaltyLastN), $"must be ≥ 0, or -1 for the whole history, got {PenaltyLastN}");
        if (LogitBias is not null)
        {
            foreach (var (id, bias) in LogitBias)
            {
                if (id < 0)
                    throw Invalid(nameof(LogitBias), $"token id {id} is negative");
                if (float.IsNaN(bias) || float.IsPositiveInfinity(bias))
                    throw Invalid(nameof(LogitBias), $"bias for token {id} must be finite or -infinity (ban), got {bias}");
            }
        }
        if (MaxTokens is < 1)
            throw Invalid(nameof(MaxTokens), $"must be ≥ 1 when set, got {MaxTokens}");
        if (StopStrings is null)
            throw Invalid(nameof(StopStrings), "must not be null (use an empty list)");
        for (int i = 0; i < StopStrings.Count; i++)
        {
            if (string.IsNullOrEmpty(StopStrings[i]))
                throw Invalid(nameof(StopStrings), $"entry {i} is null or empty");
        }
        if (TopLogprobs is < 0 or > MaxTopLogprobs)
            throw Invalid(nameof(TopLogprobs), $"must be in [0, {MaxTopLogprobs}], got {TopLogprobs}");
    }

    private static ArgumentException Invalid(string field, string message) =>
        new($"SamplingOptions.{field} {message}", field);
}
