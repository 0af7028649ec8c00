// What a request streams back, one item per engine step that produced something for it.
namespace Meridian.Engine.Serving;

/// <summary>
/// New tokens and text of one request since its previous output. Text is cut before any stop string and
/// only holds complete UTF-8 characters. The last output has <see cref="FinishReason"/> set.
/// </summary>
public sealed record RequestOutput
{
    /// <summary>Ids generated since the previous output (stop tokens are not included).</summary>
    public required IReadOnlyList<int> TokenIds { get; init; }

    /// <summary>Text those ids completed.</summary>
    public required string Text { get; init; }

    /// <summary>Per new token when the request asked for logprobs; otherwise null.</summary>
    public IReadOnlyList<TokenLogprob>? Logprobs { get; init; }

    /// <summary>Prompt logprobs (first output only, when asked): one per prompt token; the first is null.</summary>
    public IReadOnlyList<TokenLogprob?>? PromptLogprobs { get; init; }

    /// <summary>Set on the last output.</summary>
    public FinishReason? FinishReason { get; init; }

    /// <summary>Token counts so far (final on the last output).</summary>
    public required Usage Usage { get; init; }
}

/// <summary>Why a request ended.</summary>
public enum FinishReason
{
    /// <summary>An end-of-generation token or a stop string (OpenAI "stop").</summary>
    Stop,

    /// <summary>max_tokens reached or the context is full (OpenAI "length").</summary>
    Length,

    /// <summary>Cancelled by the caller or by engine shutdown.</summary>
    Cancelled,
}

/// <summary>Token counts of a request. <see cref="CachedPromptTokens"/> of the prompt came from the prefix cache.</summary>
public readonly record struct Usage(int PromptTokens, int CompletionTokens, int CachedPromptTokens);

/// <summary>Raw log-probability of one token and the most likely alternatives at its position.</summary>
public sealed record TokenLogprob(int TokenId, float Logprob, IReadOnlyList<TopLogprob> Top);

/// <summary>One alternative of <see cref="TokenLogprob.Top"/>.</summary>
public readonly record struct TopLogprob(int TokenId, float Logprob);
