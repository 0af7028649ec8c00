// Shared pieces of the scheduler tests (vLLM tests/v1/core style): hand-built requests, a one-step
// driver, and the pool invariant checker.
using Meridian.Engine.Scheduling;

namespace Meridian.Engine.Tests.Scheduling;

internal static class SchedulerTestHelpers
{
    public static SchedulerOptions Options(int numBlocks, int blockSize = 4, int maxModelLength = 0, int maxRunning = 64,
        int maxQueue = 256, int maxBatchTokens = 256, int maxPrefillChunk = 256, bool prefixCaching = true) => new()
    {
        BlockSize = blockSize,
        NumBlocks = numBlocks,
        MaxModelLength = maxModelLength == 0 ? numBlocks * blockSize : maxModelLength,
        MaxRunning = maxRunning,
        MaxQueue = maxQueue,
        MaxBatchTokens = maxBatchTokens,
        MaxPrefillChunk = maxPrefillChunk,
        EnablePrefixCaching = prefixCaching,
    };

    /// <summary>A request whose prompt is first, first + 1, ... (distinct prompts need distinct ranges).</summary>
    public static SequenceRequest Request(string id, int promptLength, int first = 1, int maxTokens = 1000, params int[] stop) =>
        new(id, Enumerable.Range(first, promptLength).ToArray(), maxTokens, new HashSet<int>(stop));

    public static SequenceRequest Request(string id, int[] prompt, int maxTokens = 1000) =>
        new(id, prompt, maxTokens, new HashSet<int>());

    /// <summary>Schedule, then Update with <paramref name="token"/> for every sampled chunk.</summary>
    public static (SchedulerOutput Output, IReadOnlyList<SequenceRequest> Finished) Step(Scheduler scheduler, int token = 1000)
    {
        var output = scheduler.Schedule();
        var sampled = Enumerable.Repeat(token, output.SampleCount).ToArray();
        return (output, scheduler.Update(output, sampled));
    }

    public static ScheduledChunk Chunk(SequenceRequest request, int start, int count, bool sample) => new(request, start, count, sample);

    /// <summary>
    /// Checks the pool against the block tables: every block is either free or referenced; its ref count is the
    /// number of tables holding it; the free queue holds exactly the unreferenced blocks; every cached block is
    /// its hash's map entry; waiting requests hold nothing; running ones hold what they computed.
    /// </summary>
    public static void AssertInvariants(Scheduler scheduler)
    {
        var pool = scheduler.KvCache.Pool;
        int blockSize = scheduler.Options.BlockSize;
        var occurrences = new int[pool.NumBlocks];
        foreach (var request in scheduler.Running)
        {
            Assert.Equal(RequestStatus.Running, request.Status);
            Assert.InRange(request.NumComputedTokens, 0, request.Tokens.Count - 1);
            Assert.True(request.BlockIds.Count * blockSize >= request.NumComputedTokens, $"{request} has too few blocks");
            Assert.True(request.BlockIds.Count <= (request.Tokens.Count + blockSize - 1) / blockSize, $"{request} has too many blocks");
            Assert.Equal(request.BlockIds.Count, request.BlockIds.Distinct().Count());
            foreach (int block in request.BlockIds)
                occurrences[block]++;
        }
        foreach (var request in scheduler.Waiting)
        {
            Assert.True(request.Status is RequestStatus.Waiting or RequestStatus.Preempted, $"{request} is in the waiting queue");
            Assert.Empty(request.BlockIds);
            Assert.Equal(0, request.NumComputedTokens);
        }
        Assert.True(scheduler.RunningCount <= scheduler.Options.MaxRunning);
        for (int i = 1; i < scheduler.Running.Count; i++)
            Assert.True(scheduler.Running[i - 1].ArrivalSequence < scheduler.Running[i].ArrivalSequence, "running set out of arrival order");

        int cached = 0;
        for (int b = 0; b < pool.NumBlocks; b++)
        {
            Assert.Equal(occurrences[b], pool.RefCount(b));
            Assert.Equal(occurrences[b] == 0, pool.IsFree(b));
            if (pool.IsCached(b))
            {
                cached++;
                Assert.True(pool.MapEntryMatches(b), $"cached block {b} is not its hash's entry");
            }
        }
        var freeOrder = pool.FreeOrder.ToArray();
        Assert.Equal(pool.FreeCount, freeOrder.Length);
        Assert.Equal(freeOrder.Length, freeOrder.Distinct().Count());
        var stats = scheduler.BlockStats;
        Assert.Equal(pool.NumBlocks, stats.Used + stats.Free);
        Assert.Equal(occurrences.Count(n => n > 0), stats.Used);
        Assert.Equal(cached, stats.Cached);
    }
}
