// Copy-on-write of shared KV blocks: a forked request shares its parent's table, and the first of the
// two to write into the shared partial block gets a fresh copy (emitted as a BlockCopy).
using Meridian.Engine.Scheduling;

namespace Meridian.Engine.Tests.Scheduling;

public class CopyOnWriteTests
{
    [Fact]
    public void Schedule_ForkedRequestsWriteSharedPartialBlock_FirstWriterCopies()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 8));
        var a = SchedulerTestHelpers.Request("a", 6);
        scheduler.TryAdd(a);
        SchedulerTestHelpers.Step(scheduler, token: 70);   // a: 0 1, tokens 1..6 70, 6 computed; block 0 cached
        var child = scheduler.Fork("a", "a/1");
        Assert.Equal([0, 1], child.BlockIds);
        Assert.Equal(a.Tokens, child.Tokens);
        var pool = scheduler.KvCache.Pool;
        Assert.Equal((2, 2), (pool.RefCount(0), pool.RefCount(1)));
        SchedulerTestHelpers.AssertInvariants(scheduler);

        // Both write position 6 (block index 1). a goes first: block 1 is shared, so a gets block 2 = copy of 1;
        // then the child holds block 1 alone and writes it in place. Block 0 is full and never written: shared.
        var output = scheduler.Schedule();
        Assert.Equal([new BlockCopy(1, 2)], output.BlockCopies);
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 6, 1, true), SchedulerTestHelpers.Chunk(child, 6, 1, true)], output.Chunks);
        Assert.Equal([0, 2], a.BlockIds);
        Assert.Equal([0, 1], child.BlockIds);
        Assert.Equal((2, 1, 1), (pool.RefCount(0), pool.RefCount(1), pool.RefCount(2)));
        scheduler.Update(output, [71, 72]);
        Assert.Equal(71, a.Tokens[^1]);
        Assert.Equal(72, child.Tokens[^1]);

        // Later steps write their own blocks: no more copies.
        Assert.Empty(SchedulerTestHelpers.Step(scheduler).Output.BlockCopies);
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void Fork_ContentsThroughFakeCache_EachSeesItsOwnTokens()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 8));
        var cache = new FakeKvCache(8, 4);
        var a = SchedulerTestHelpers.Request("a", 5);
        scheduler.TryAdd(a);
        var output = scheduler.Schedule();
        cache.Run(output);
        scheduler.Update(output, [60]);
        var child = scheduler.Fork("a", "a/1");
        for (int step = 0; step < 6; step++)
        {
            output = scheduler.Schedule();
            cache.Run(output);                             // asserts each chunk reads exactly its own tokens
            scheduler.Update(output, [100 + step, 200 + step]);
        }
        Assert.Equal([1, 2, 3, 4, 5, 60, 100, 101, 102, 103, 104, 105], a.Tokens);
        Assert.Equal([1, 2, 3, 4, 5, 60, 200, 201, 202, 203, 204, 205], child.Tokens);
    }

    [Fact]
    public void Fork_ParentStillPrefilling_Throws()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 8, maxPrefillChunk: 2));
        scheduler.TryAdd(SchedulerTestHelpers.Request("a", 5));
        SchedulerTestHelpers.Step(scheduler);
        Assert.Contains("prefilling", Assert.Throws<InvalidOperationException>(() => scheduler.Fork("a", "b")).Message);
        Assert.Throws<InvalidOperationException>(() => scheduler.Fork("nobody", "b"));
    }
}
