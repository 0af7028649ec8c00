// Knobs of the serving engine (`meridian serve` flags): KV cache size, batch limits, queue limit.
namespace Meridian.Engine.Serving;

/// <summary>
/// Engine limits. Defaults suit a CPU box: steps of at most 128 tokens keep a long prompt's prefill
/// chunks short enough that running streams keep decoding (a step of 128 prompt tokens takes about
/// 0.5 s for a 1.1B model on 2 cores).
/// </summary>
public sealed record LlmEngineOptions
{
    /// <summary>Served model name (OpenAI "model").</summary>
    public string ModelName { get; init; } = "meridian";

    /// <summary>Positions per KV block (vLLM's default 16).</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>KV blocks; when null, <see cref="KvMemoryBytes"/> decides.</summary>
    public int? KvBlocks { get; init; }

    /// <summary>KV cache memory; when null (and <see cref="KvBlocks"/> null), enough for MaxRunning full
    /// contexts, capped at 2 GiB but never less than one full context.</summary>
    public long? KvMemoryBytes { get; init; }

    /// <summary>Most sequences decoded together (--max-running).</summary>
    public int MaxRunning { get; init; } = 32;

    /// <summary>Most requests waiting to start; beyond it Submit throws <see cref="EngineQueueFullException"/>.</summary>
    public int MaxQueue { get; init; } = 256;

    /// <summary>Token budget of one step: decodes plus prompt chunks.</summary>
    public int MaxBatchTokens { get; init; } = 128;

    /// <summary>Context limit per request; null = the model's trained context. A larger value is taken as given
    /// (llama.cpp's -c beyond n_ctx_train), capped by the KV cache.</summary>
    public int? MaxContext { get; init; }

    /// <summary>Reuse KV blocks of identical prompt prefixes across requests.</summary>
    public bool EnablePrefixCaching { get; init; } = true;

    /// <summary>
    /// Whether a constrained request's next grammar mask is computed while the forward pass runs (null: where the
    /// model runs on a device other than the host CPU, whose cores the forward pass already keeps busy).
    /// </summary>
    public bool? OverlapGrammarMasks { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelName))
            throw new ArgumentException("ModelName must not be empty", nameof(ModelName));
        if (BlockSize is < 1 or > 1024)
            throw new ArgumentException($"BlockSize must be in [1, 1024], got {BlockSize}", nameof(BlockSize));
        if (KvBlocks is < 1)
            throw new ArgumentException($"KvBlocks must be at least 1, got {KvBlocks}", nameof(KvBlocks));
        if (KvMemoryBytes is < 1)
            throw new ArgumentException($"KvMemoryBytes must be positive, got {KvMemoryBytes}", nameof(KvMemoryBytes));
        if (MaxRunning < 1)
            throw new ArgumentException($"MaxRunning must be at least 1, got {MaxRunning}", nameof(MaxRunning));
        if (MaxQueue < 1)
            throw new ArgumentException($"MaxQueue must be at least 1, got {MaxQueue}", nameof(MaxQueue));
        if (MaxBatchTokens < 1)
            throw new ArgumentException($"MaxBatchTokens must be at least 1, got {MaxBatchTokens}", nameof(MaxBatchTokens));
        if (MaxContext is < 2)
            throw new ArgumentException($"MaxContext must be at least 2, got {MaxContext}", nameof(MaxContext));
    }
}
