// Randomized schedule/update/finish/fork runs against a fake KV cache: after every step the pool's
// invariants hold (every block free or referenced, ref counts = table occurrences, free queue = the
// unreferenced blocks), every chunk reads exactly its own tokens back, and at the end nothing leaks.
using Meridian.Engine.Scheduling;
using Meridian.Engine.Serving;

namespace Meridian.Engine.Tests.Scheduling;

public class SchedulerStressTests
{
    private const int StopToken = 999;
    private const int Vocabulary = 50;   // small, so prompts share prefixes and blocks collide in content

    [Theory]
    [InlineData(1, 4, true)]
    [InlineData(2, 1, true)]
    [InlineData(3, 16, true)]
    [InlineData(4, 4, false)]
    [InlineData(5, 2, true)]
    public void RandomSteps_InvariantsHoldEveryStep_NothingLeaksAtEnd(int seed, int blockSize, bool prefixCaching)
    {
        var rng = new Random(seed);
        int numBlocks = 96 / blockSize;      // 96 positions: a handful of requests at once, so preemption is common
        var options = SchedulerTestHelpers.Options(numBlocks, blockSize, maxModelLength: 64, maxRunning: 6, maxQueue: 8,
            maxBatchTokens: 24, maxPrefillChunk: 10, prefixCaching: prefixCaching);
        var scheduler = new Scheduler(options);
        var cache = new FakeKvCache(numBlocks, blockSize);
        int[][] prefixes = [.. Enumerable.Range(0, 3).Select(_ => RandomTokens(rng, rng.Next(4, 40)))];
        var all = new List<SequenceRequest>();
        int nextId = 0;

        for (int step = 0; step < 2000; step++)
        {
            for (int n = rng.Next(3); n > 0; n--)
            {
                var prefix = prefixes[rng.Next(prefixes.Length)];
                int[] prompt = [.. prefix.Take(rng.Next(prefix.Length + 1)), .. RandomTokens(rng, rng.Next(1, 20))];
                var request = new SequenceRequest($"r{nextId++}", prompt[..Math.Min(prompt.Length, 63)], rng.Next(1, 30),
                    new HashSet<int> { StopToken });
                if (scheduler.TryAdd(request))
                    all.Add(request);
                else
                    Assert.True(scheduler.WaitingCount >= options.MaxQueue);   // preempted ones may take it past
            }
            if (rng.Next(20) == 0)
                FinishRandom(scheduler, rng);
            if (rng.Next(30) == 0)
                ForkRandom(scheduler, rng, all, ref nextId);

            RunStep(scheduler, cache, rng, finishInWindow: rng.Next(50) == 0);
        }

        // Drain: no more arrivals; everything must finish (no livelock between preemption and admission).
        int drainSteps = 0;
        while (scheduler.RunningCount + scheduler.WaitingCount > 0)
        {
            Assert.True(++drainSteps < 5000, "the scheduler stopped making progress");
            RunStep(scheduler, cache, rng, finishInWindow: false);
        }

        var stats = scheduler.BlockStats;
        Assert.Equal((0, numBlocks), (stats.Used, stats.Free));
        Assert.All(all, r => Assert.Equal(RequestStatus.Finished, r.Status));
        Assert.All(all, r => Assert.Empty(r.BlockIds));
        Assert.True(stats.Preemptions > 0, "the run never preempted: it does not test preemption");
        Assert.Equal(prefixCaching, stats.PrefixHitTokens > 0);
        for (int b = 0; b < numBlocks; b++)
            Assert.Equal(0, scheduler.KvCache.Pool.RefCount(b));
    }

    private static void RunStep(Scheduler scheduler, FakeKvCache cache, Random rng, bool finishInWindow)
    {
        var options = scheduler.Options;
        var output = scheduler.Schedule();
        CheckPlan(scheduler, output);
        cache.Run(output);
        if (finishInWindow && output.Chunks.Count > 0)
            scheduler.Finish(output.Chunks[rng.Next(output.Chunks.Count)].Request.Id, FinishReason.Cancelled);
        var sampled = new int[output.SampleCount];
        for (int i = 0; i < sampled.Length; i++)
            sampled[i] = rng.Next(40) == 0 ? StopToken : rng.Next(Vocabulary);
        foreach (var finished in scheduler.Update(output, sampled))
        {
            Assert.Equal(RequestStatus.Finished, finished.Status);
            Assert.Empty(finished.BlockIds);
            bool stopped = finished.Tokens[^1] == StopToken;
            Assert.Equal(stopped ? FinishReason.Stop : FinishReason.Length, finished.FinishReason);
            if (!stopped)
                Assert.True(finished.OutputLength == finished.MaxTokens || finished.Tokens.Count == options.MaxModelLength);
        }
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    /// <summary>The plan obeys the limits, and every block a chunk writes is writable (copy-on-write done).</summary>
    private static void CheckPlan(Scheduler scheduler, SchedulerOutput output)
    {
        var options = scheduler.Options;
        var pool = scheduler.KvCache.Pool;
        Assert.True(output.TotalTokens <= options.MaxBatchTokens);
        Assert.Equal(output.Chunks.Count, output.Chunks.Select(c => c.Request).Distinct().Count());
        if (scheduler.RunningCount > 0)
            Assert.False(output.IsEmpty, "running requests but an empty plan");
        foreach (var chunk in output.Chunks)
        {
            var r = chunk.Request;
            Assert.Equal(RequestStatus.Running, r.Status);
            Assert.Equal(r.NumComputedTokens, chunk.StartPos);
            Assert.InRange(chunk.Count, 1, options.MaxPrefillChunk);
            Assert.True(chunk.StartPos + chunk.Count <= r.Tokens.Count);
            Assert.Equal(chunk.StartPos + chunk.Count == r.Tokens.Count, chunk.Sample);
            Assert.True(r.BlockIds.Count * options.BlockSize >= chunk.StartPos + chunk.Count);
            for (int j = chunk.StartPos / options.BlockSize; j <= (chunk.StartPos + chunk.Count - 1) / options.BlockSize; j++)
                Assert.True(pool.IsWritable(r.BlockIds[j]), $"{r} writes shared or cached block {r.BlockIds[j]}");
        }
        foreach (var victim in output.Preempted)
            Assert.Equal(RequestStatus.Preempted, victim.Status);
    }

    private static void FinishRandom(Scheduler scheduler, Random rng)
    {
        var active = scheduler.Running.Concat(scheduler.Waiting).ToArray();
        if (active.Length > 0)
            scheduler.Finish(active[rng.Next(active.Length)].Id, FinishReason.Cancelled);
    }

    private static void ForkRandom(Scheduler scheduler, Random rng, List<SequenceRequest> all, ref int nextId)
    {
        var decoding = scheduler.Running.Where(r => r.NumComputedTokens == r.Tokens.Count - 1).ToArray();
        if (decoding.Length == 0 || scheduler.RunningCount >= scheduler.Options.MaxRunning)
            return;
        all.Add(scheduler.Fork(decoding[rng.Next(decoding.Length)].Id, $"r{nextId++}"));
    }

    private static int[] RandomTokens(Random rng, int count) => [.. Enumerable.Range(0, count).Select(_ => rng.Next(Vocabulary))];
}
