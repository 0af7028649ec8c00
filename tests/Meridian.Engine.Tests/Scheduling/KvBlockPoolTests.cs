// Block pool and free queue: allocation from the head, freeing to the tail (a request's last block
// first), ref counts, LRU eviction of cached blocks. Exact block ids are traced by hand in comments.
using Meridian.Engine.Scheduling;

namespace Meridian.Engine.Tests.Scheduling;

public class KvBlockPoolTests
{
    [Fact]
    public void FreeBlockQueue_AppendPopRemove_KeepsOrder()
    {
        var queue = new FreeBlockQueue(5);          // 0 1 2 3 4
        Assert.Equal(0, queue.PopFront());          // 1 2 3 4
        queue.Remove(3);                            // 1 2 4
        queue.Append(0);                            // 1 2 4 0
        queue.Remove(1);                            // 2 4 0
        queue.Append(3);                            // 2 4 0 3
        Assert.Equal([2, 4, 0, 3], queue.Enumerate());
        Assert.Equal(4, queue.Count);
        Assert.Throws<InvalidOperationException>(() => queue.Append(2));
        Assert.Throws<InvalidOperationException>(() => queue.Remove(1));
    }

    [Fact]
    public void Pool_ReleaseBelowZero_Throws()
    {
        var pool = new KvBlockPool(2, 4);
        int block = pool.Allocate();
        pool.Release(block);
        Assert.Throws<InvalidOperationException>(() => pool.Release(block));
    }

    [Fact]
    public void Schedule_GrowingRequest_AllocatesBlocksAsPositionsNeedThem()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 10));
        var a = SchedulerTestHelpers.Request("a", 10);
        Assert.True(scheduler.TryAdd(a));

        // 10 prompt tokens, block size 4: ceil(10 / 4) = 3 blocks from the queue head.
        var (output, _) = SchedulerTestHelpers.Step(scheduler);
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 0, 10, true)], output.Chunks);
        Assert.Equal([0, 1, 2], a.BlockIds);
        Assert.Equal(new KvBlockStats(10, 3, 7, 2, 10, 0, 0), scheduler.BlockStats);   // blocks 0, 1 full → cached

        // Positions 10 and 11 still fit block 2; position 12 needs a fourth block.
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 10, 1, true)], SchedulerTestHelpers.Step(scheduler).Output.Chunks);
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 11, 1, true)], SchedulerTestHelpers.Step(scheduler).Output.Chunks);
        Assert.Equal([0, 1, 2], a.BlockIds);
        Assert.Equal(3, scheduler.BlockStats.Cached);   // 12 computed tokens: block 2 full too
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 12, 1, true)], SchedulerTestHelpers.Step(scheduler).Output.Chunks);
        Assert.Equal([0, 1, 2, 3], a.BlockIds);
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void Finish_RunningRequest_FreesBlocksTailFirst()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 10));
        var a = SchedulerTestHelpers.Request("a", 13);
        scheduler.TryAdd(a);
        SchedulerTestHelpers.Step(scheduler);
        Assert.Equal([0, 1, 2, 3], a.BlockIds);

        scheduler.Finish("a", Meridian.Engine.Serving.FinishReason.Cancelled);
        // Released 3, 2, 1, 0 to the tail behind the never-used 4..9: the prompt's first block is reused last.
        Assert.Equal([4, 5, 6, 7, 8, 9, 3, 2, 1, 0], scheduler.KvCache.Pool.FreeOrder);
        Assert.Empty(a.BlockIds);
        Assert.Equal(0, scheduler.BlockStats.Used);
        Assert.Equal(3, scheduler.BlockStats.Cached);   // the three full blocks stay hittable while free
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void SharedPrefix_TwoRequests_RefCountTwoUntilOneFinishes()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 10));
        var a = SchedulerTestHelpers.Request("a", [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        scheduler.TryAdd(a);
        SchedulerTestHelpers.Step(scheduler);                       // a: blocks 0 1 2; 0 and 1 cached
        var b = SchedulerTestHelpers.Request("b", [1, 2, 3, 4, 5, 6, 7, 8, 50, 51]);
        scheduler.TryAdd(b);
        SchedulerTestHelpers.Step(scheduler);                       // b hits 0 1, gets fresh 3
        Assert.Equal([0, 1, 3], b.BlockIds);
        var pool = scheduler.KvCache.Pool;
        Assert.Equal([2, 2, 1, 1], new[] { pool.RefCount(0), pool.RefCount(1), pool.RefCount(2), pool.RefCount(3) });

        scheduler.Finish("a", Meridian.Engine.Serving.FinishReason.Cancelled);
        Assert.Equal([1, 1, 0, 1], new[] { pool.RefCount(0), pool.RefCount(1), pool.RefCount(2), pool.RefCount(3) });
        Assert.True(pool.IsFree(2));
        Assert.False(pool.IsFree(0));
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void Allocate_CachedFreeBlocks_EvictedLeastRecentlyFreedFirst()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 8, maxModelLength: 32));
        var pool = scheduler.KvCache.Pool;
        var a = SchedulerTestHelpers.Request("a", [1, 2, 3, 4, 5, 6, 7, 8]);
        scheduler.TryAdd(a);
        SchedulerTestHelpers.Step(scheduler);                       // a: 0 1, both cached
        scheduler.Finish("a", Meridian.Engine.Serving.FinishReason.Cancelled);      // queue 2 3 4 5 6 7 1 0
        var b = SchedulerTestHelpers.Request("b", [11, 12, 13, 14, 15, 16, 17, 18]);
        scheduler.TryAdd(b);
        SchedulerTestHelpers.Step(scheduler);                       // b: 2 3, both cached
        scheduler.Finish("b", Meridian.Engine.Serving.FinishReason.Cancelled);      // queue 4 5 6 7 1 0 3 2
        Assert.Equal([4, 5, 6, 7, 1, 0, 3, 2], pool.FreeOrder);
        Assert.Equal(4, pool.CachedCount);

        var c = SchedulerTestHelpers.Request("c", 20, first: 100); // 5 blocks: pops 4 5 6 7 1, evicting a's second block
        scheduler.TryAdd(c);
        SchedulerTestHelpers.Step(scheduler);
        Assert.Equal([4, 5, 6, 7, 1], c.BlockIds);
        // Cached now: a's block 0, b's 2 and 3, and c's five full blocks (block 1 re-registered under c's hash).
        Assert.Equal(8, pool.CachedCount);

        // a's prompt again (plus one token so two blocks may hit): only its first block survived.
        var hits = new List<int>();
        scheduler.KvCache.FindCachedPrefix(SchedulerTestHelpers.Request("d", [1, 2, 3, 4, 5, 6, 7, 8, 9]), hits);
        Assert.Equal([0], hits);
        scheduler.KvCache.FindCachedPrefix(SchedulerTestHelpers.Request("e", [11, 12, 13, 14, 15, 16, 17, 18, 19]), hits);
        Assert.Equal([2, 3], hits);
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }
}
