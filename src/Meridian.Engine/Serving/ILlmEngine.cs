// What callers (the HTTP server, the IChatClient adapter, the load benchmark's in-process mode) see of
// the serving engine: submit token ids with sampling knobs, read streamed outputs, cancel. No tensors,
// no HTTP (DESIGN.md, "A request's path").
using Meridian.Tokenizers;
using Meridian.Tokenizers.Templates;

namespace Meridian.Engine.Serving;

/// <summary>A running engine that batches many requests over one model.</summary>
public interface ILlmEngine
{
    /// <summary>The model, its tokenizer and chat template.</summary>
    EngineModelInfo Model { get; }

    /// <summary>
    /// Queues a request. Throws <see cref="EngineQueueFullException"/> when the queue is full,
    /// <see cref="PromptTooLongException"/> when the prompt leaves no room in the context to generate (max tokens beyond the context are cut to fit, finishing with Length), and
    /// <see cref="ArgumentException"/> (naming the field) for invalid sampling options. The handle
    /// streams the outputs; disposing it before the end cancels the request (its KV blocks are freed
    /// at the next step).
    /// </summary>
    RequestHandle Submit(EngineRequest request);

    /// <summary>A snapshot of queue, batch and KV-cache figures (for /metrics).</summary>
    EngineStats GetStats();

    /// <summary>Why the engine stopped serving (an internal error in a step), or null while it serves.
    /// Requests in flight then end with that error and Submit refuses new ones; /health reports it.</summary>
    string? Fault => null;

    /// <summary>
    /// Ops run on a fallback device because the model's device lacks them (--allow-fallback): calls so far per
    /// (op, dtype). Empty when nothing falls back.
    /// </summary>
    IReadOnlyList<FallbackCount> GetFallbackCounts() => [];
}

/// <summary>Calls of one (op, dtype) pair that ran on the fallback device.</summary>
public readonly record struct FallbackCount(string Op, string Type, long Calls);

/// <summary>The model an engine serves.</summary>
/// <param name="Name">Served model name (OpenAI "model").</param>
/// <param name="Tokenizer">Encodes prompts and decodes outputs.</param>
/// <param name="ChatTemplate">The model's chat template; null when it has none (callers fall back to ChatML).</param>
/// <param name="SpecialTokens">bos/eos texts the template may reference.</param>
/// <param name="MaxContext">Most positions one request may use (prompt + generated).</param>
/// <param name="CreatedUnixSeconds">When the model was loaded (OpenAI "created").</param>
public sealed record EngineModelInfo(string Name, Tokenizer Tokenizer, ChatTemplate? ChatTemplate,
    ChatTemplateSpecialTokens SpecialTokens, int MaxContext, long CreatedUnixSeconds)
{
    /// <summary>The KV cache's dtype ("f32", "f16").</summary>
    public string KvCacheType { get; init; } = "f32";

    /// <summary>Bytes the whole KV cache takes on the device (every block, every layer, keys and values).</summary>
    public long KvCacheBytes { get; init; }
}
