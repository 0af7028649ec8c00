// The plan of one engine step (vLLM's SchedulerOutput): what to run, what to copy first, who was evicted.
namespace Meridian.Engine.Scheduling;

/// <summary>
/// One step: run <paramref name="BlockCopies"/> first, in list order (a later copy may reuse an earlier one's
/// source block as its destination), then one forward pass over <paramref name="Chunks"/>
/// (in this order; sampled tokens go back to <see cref="Scheduler.Update"/> in the same order).
/// <paramref name="Preempted"/> lists requests evicted this step (their streams just pause).
/// </summary>
public sealed record SchedulerOutput(IReadOnlyList<ScheduledChunk> Chunks, IReadOnlyList<BlockCopy> BlockCopies,
    IReadOnlyList<SequenceRequest> Preempted)
{
    /// <summary>Tokens fed this step (sum of chunk counts).</summary>
    public int TotalTokens { get; } = Chunks.Sum(c => c.Count);

    /// <summary>Chunks with <see cref="ScheduledChunk.Sample"/> set: how many tokens Update expects.</summary>
    public int SampleCount { get; } = Chunks.Count(c => c.Sample);

    /// <summary>Nothing to run (no request can make progress).</summary>
    public bool IsEmpty => Chunks.Count == 0;
}
