// Knobs of the continuous-batching scheduler and its paged KV cache (vLLM's SchedulerConfig +
// CacheConfig, reduced to what the bookkeeping needs). Plain data; Validate() is the boundary.
namespace Meridian.Engine.Scheduling;

/// <summary>
/// Sizes and limits of one <see cref="Scheduler"/>. <see cref="NumBlocks"/> and <see cref="MaxModelLength"/>
/// have no sensible default and must be set.
/// </summary>
public sealed record SchedulerOptions
{
    /// <summary>Token positions per KV-cache block.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>Blocks in the paged KV cache (shared by every request).</summary>
    public int NumBlocks { get; init; }

    /// <summary>Most sequences in one step (<c>--max-running</c>).</summary>
    public int MaxRunning { get; init; } = 64;

    /// <summary>Most requests waiting for admission (<c>--max-queue</c>); <see cref="Scheduler.TryAdd"/> refuses beyond.
    /// Preempted requests go back to the queue even when that takes it past this limit.</summary>
    public int MaxQueue { get; init; } = 256;

    /// <summary>Token budget of one step: decode tokens plus prefill chunks.</summary>
    public int MaxBatchTokens { get; init; } = 256;

    /// <summary>Most prompt (or recompute) tokens one request feeds in one step.</summary>
    public int MaxPrefillChunk { get; init; } = 256;

    /// <summary>Context limit of one request in positions (prompt + generated tokens).</summary>
    public int MaxModelLength { get; init; }

    /// <summary>Reuse the KV of full blocks whose token prefix was computed before.</summary>
    public bool EnablePrefixCaching { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that is out of range.</summary>
    public void Validate()
    {
        Require(BlockSize >= 1, nameof(BlockSize), $"must be at least 1, got {BlockSize}");
        Require(NumBlocks >= 1, nameof(NumBlocks), $"must be at least 1, got {NumBlocks}");
        Require(MaxRunning >= 1, nameof(MaxRunning), $"must be at least 1, got {MaxRunning}");
        Require(MaxQueue >= 0, nameof(MaxQueue), $"must not be negative, got {MaxQueue}");
        Require(MaxBatchTokens >= 1, nameof(MaxBatchTokens), $"must be at least 1, got {MaxBatchTokens}");
        Require(MaxPrefillChunk >= 1, nameof(MaxPrefillChunk), $"must be at least 1, got {MaxPrefillChunk}");
        Require(MaxModelLength >= 2, nameof(MaxModelLength), $"must be at least 2 (one prompt token and one generated), got {MaxModelLength}");
        // A lone request must always fit, or it would preempt itself forever (vLLM refuses the same configuration).
        long capacity = (long)NumBlocks * BlockSize;
        Require(MaxModelLength <= capacity, nameof(MaxModelLength),
            $"is {MaxModelLength} positions but the KV cache holds only {capacity} ({nameof(NumBlocks)} {NumBlocks} x {nameof(BlockSize)} {BlockSize}); " +
            "add blocks or lower the context limit");
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
            throw new ArgumentException($"{nameof(SchedulerOptions)}.{field} {message}", field);
    }
}
