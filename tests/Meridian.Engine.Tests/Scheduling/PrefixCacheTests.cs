// Prefix caching: full blocks only, never the whole prompt, hits on freed-but-cached blocks, stats,
// and the switch that turns it off. Block size 4 throughout; arithmetic in comments.
using Meridian.Engine.Scheduling;
using Meridian.Engine.Serving;

namespace Meridian.Engine.Tests.Scheduling;

public class PrefixCacheTests
{
    private static readonly int[] Shared = [1, 2, 3, 4, 5, 6, 7, 8];

    [Fact]
    public void Admit_SecondRequestWithSamePrefix_HitsFullBlocksOnly()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 16));
        var a = SchedulerTestHelpers.Request("a", [.. Shared, 9, 10]);
        scheduler.TryAdd(a);
        SchedulerTestHelpers.Step(scheduler);              // a computes 10: blocks 0, 1 full and cached
        Assert.Equal(0, a.NumCachedPromptTokens);

        // b shares 8 tokens then differs inside the third block: 2 blocks hit, 8 tokens.
        var b = SchedulerTestHelpers.Request("b", [.. Shared, 9, 77, 78]);
        scheduler.TryAdd(b);
        var (output, _) = SchedulerTestHelpers.Step(scheduler);
        Assert.Equal(8, b.NumCachedPromptTokens);
        Assert.Equal([0, 1, 3], b.BlockIds);
        Assert.Contains(SchedulerTestHelpers.Chunk(b, 8, 3, true), output.Chunks);
        // Used: a's 0 1 2 and b's 3. Cached: 0 and 1 only (a and b have 11 computed tokens: 2 full blocks each).
        // Queried: both prompts, 10 + 11; hit: b's 8.
        Assert.Equal(new KvBlockStats(16, 4, 12, 2, 10 + 11, 8, 0), scheduler.BlockStats);
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void Admit_PromptEntirelyCached_StillComputesLastBlock()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 16));
        scheduler.TryAdd(SchedulerTestHelpers.Request("a", [.. Shared, 9]));
        SchedulerTestHelpers.Step(scheduler);              // blocks 0, 1 cached

        // Exactly the 8 cached tokens: at most (8 - 1) / 4 = 1 block may hit, so the last token gets logits.
        var b = SchedulerTestHelpers.Request("b", Shared);
        scheduler.TryAdd(b);
        var (output, _) = SchedulerTestHelpers.Step(scheduler);
        Assert.Equal(4, b.NumCachedPromptTokens);
        Assert.Contains(SchedulerTestHelpers.Chunk(b, 4, 4, true), output.Chunks);
        Assert.Equal(0, b.BlockIds[0]);
        Assert.NotEqual(1, b.BlockIds[1]);                 // a fresh block, not the cached one (it is rewritten)
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void Admit_AfterFirstRequestFinished_RevivesFreeCachedBlocks()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 4, maxModelLength: 16));
        var a = SchedulerTestHelpers.Request("a", [.. Shared, 9]);
        scheduler.TryAdd(a);
        SchedulerTestHelpers.Step(scheduler);              // a: 0 1 2
        scheduler.Finish("a", FinishReason.Stop);          // queue 3 2 1 0, blocks 0 1 still cached
        Assert.Equal(4, scheduler.BlockStats.Free);

        var b = SchedulerTestHelpers.Request("b", [.. Shared, 20, 21, 22]);
        scheduler.TryAdd(b);
        SchedulerTestHelpers.Step(scheduler);
        Assert.Equal(8, b.NumCachedPromptTokens);
        Assert.Equal([0, 1, 3], b.BlockIds);               // hits taken out of the queue, fresh block from its head
        Assert.Equal([2], scheduler.KvCache.Pool.FreeOrder);
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void Admit_SameTokensInBlockButDifferentPrefix_Misses()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 16));
        scheduler.TryAdd(SchedulerTestHelpers.Request("a", [1, 2, 3, 4, 5, 6, 7, 8, 9]));
        SchedulerTestHelpers.Step(scheduler);
        // Second block's tokens equal a's second block, but the first block differs: the chained hash misses both.
        var b = SchedulerTestHelpers.Request("b", [0, 2, 3, 4, 5, 6, 7, 8, 9]);
        scheduler.TryAdd(b);
        SchedulerTestHelpers.Step(scheduler);
        Assert.Equal(0, b.NumCachedPromptTokens);
        Assert.Equal(9 + 9, scheduler.BlockStats.PrefixQueriedTokens);
        Assert.Equal(0, scheduler.BlockStats.PrefixHitTokens);
    }

    [Fact]
    public void Admit_PrefixCachingDisabled_NeverHitsOrCaches()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 16, prefixCaching: false));
        scheduler.TryAdd(SchedulerTestHelpers.Request("a", [.. Shared, 9]));
        SchedulerTestHelpers.Step(scheduler);
        var b = SchedulerTestHelpers.Request("b", [.. Shared, 9]);
        scheduler.TryAdd(b);
        var (output, _) = SchedulerTestHelpers.Step(scheduler);
        Assert.Equal(0, b.NumCachedPromptTokens);
        Assert.Contains(SchedulerTestHelpers.Chunk(b, 0, 9, true), output.Chunks);
        Assert.Equal(0, scheduler.BlockStats.Cached);
    }

    [Fact]
    public void Update_DecodedTokensFillBlock_BlockBecomesHittable()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 16));
        var a = SchedulerTestHelpers.Request("a", [1, 2, 3]);
        scheduler.TryAdd(a);
        SchedulerTestHelpers.Step(scheduler, token: 40);   // tokens 1 2 3 40, 3 computed
        Assert.Equal(0, scheduler.BlockStats.Cached);
        SchedulerTestHelpers.Step(scheduler, token: 41);   // 4 computed: block 0 = [1 2 3 40] cached
        Assert.Equal(1, scheduler.BlockStats.Cached);

        var b = SchedulerTestHelpers.Request("b", [1, 2, 3, 40, 99]);
        scheduler.TryAdd(b);
        SchedulerTestHelpers.Step(scheduler);
        Assert.Equal(4, b.NumCachedPromptTokens);
        Assert.Equal(a.BlockIds[0], b.BlockIds[0]);
    }
}
