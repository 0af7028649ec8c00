// One generation request as the engine takes it: prompt token ids, sampling and stopping knobs.
using Meridian.Engine.Sampling;
using Meridian.Grammar.Constraints;

namespace Meridian.Engine.Serving;

/// <summary>
/// A request for one completion (OpenAI <c>n</c> > 1 is n requests). Stop tokens are the tokenizer's
/// end-of-generation ids unless <see cref="SamplingOptions.IgnoreEos"/>; <see cref="SamplingOptions.MaxTokens"/>
/// null means "until the context is full".
/// </summary>
public sealed record EngineRequest(IReadOnlyList<int> PromptTokens, SamplingOptions Sampling)
{
    /// <summary>Caller's id for logs; the engine makes one when null.</summary>
    public string? Id { get; init; }

    /// <summary>Also return the log-probability of every prompt token after the first (legacy completions
    /// <c>echo</c> with <c>logprobs</c>), in the first output.</summary>
    public bool PromptLogprobs { get; init; }

    /// <summary>
    /// The generated text continues the prompt's (the default: a SentencePiece leading space is kept). False for a
    /// prompt of BOS alone, whose first piece loses its leading space as run.c prints it.
    /// </summary>
    public bool ContinuesText { get; init; } = true;

    /// <summary>
    /// The sampler's penalties (repetition, presence, frequency over the last PenaltyLastN tokens) also count the
    /// prompt, as llama.cpp's `run`/`chat` do; false (the default, OpenAI's and vLLM's API) counts generated tokens only.
    /// </summary>
    public bool PenalizePrompt { get; init; }

    /// <summary>Special tokens (end-of-turn markers, ...) are left out of the text (the default); false prints them.</summary>
    public bool SkipSpecialTokens { get; init; } = true;

    /// <summary>
    /// The grammar the output must follow (structured output), or null. Each step masks the tokens it does not allow
    /// before sampling, and end-of-generation tokens are allowed only where the output is complete. A spec Meridian
    /// cannot enforce is refused at Submit (ArgumentException naming what).
    /// </summary>
    public GrammarSpec? Grammar { get; init; }
}
