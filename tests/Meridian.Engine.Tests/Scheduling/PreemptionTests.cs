// Preemption by recompute when the pool runs dry (vLLM v1 FCFS): the latest-arrived running request
// goes, to the front of the waiting queue, and is recomputed (with prefix hits) once blocks return.
// Block size 4, tiny pools; every block id traced in comments.
using Meridian.Engine.Scheduling;
using Meridian.Engine.Serving;

namespace Meridian.Engine.Tests.Scheduling;

public class PreemptionTests
{
    [Fact]
    public void Schedule_BlocksRunOut_PreemptsLatestToFrontAndRecomputesItLater()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 4));
        var a = SchedulerTestHelpers.Request("a", 5, first: 1, maxTokens: 5);
        var b = SchedulerTestHelpers.Request("b", 5, first: 20);
        var c = SchedulerTestHelpers.Request("c", 3, first: 40);
        scheduler.TryAdd(a);
        scheduler.TryAdd(b);
        SchedulerTestHelpers.Step(scheduler);              // a: 0 1, b: 2 3; the pool is full
        scheduler.TryAdd(c);                               // c waits: no blocks (no preemption for admission)
        for (int i = 0; i < 3; i++)
            SchedulerTestHelpers.Step(scheduler);          // positions 5, 6, 7 fit the second blocks
        Assert.Equal(RequestStatus.Waiting, c.Status);
        Assert.Equal((9, 8), (a.Tokens.Count, a.NumComputedTokens));

        // Position 8 needs a third block for a: b (latest running) is preempted; its blocks go 3, 2 to the
        // queue and a takes 3 (evicting b's second cached block).
        var output = scheduler.Schedule();
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 8, 1, true)], output.Chunks);
        Assert.Equal([b], output.Preempted);
        Assert.Equal((RequestStatus.Preempted, 0, 1), (b.Status, b.NumComputedTokens, b.Preemptions));
        Assert.Empty(b.BlockIds);
        Assert.Equal([b, c], scheduler.Waiting);           // front of the queue, ahead of c
        Assert.Equal([0, 1, 3], a.BlockIds);
        Assert.Equal(1, scheduler.BlockStats.Preemptions);
        Assert.Equal([a], scheduler.Update(output, [1000]));   // a's fifth output: Length; frees 3, 1, 0
        SchedulerTestHelpers.AssertInvariants(scheduler);

        // b comes back first with its 5 prompt + 4 output tokens. Its first block (2) is still cached, so the
        // recompute starts at 4: hit 2 revived, fresh 3 and 1 from the queue head (queue was 2 3 1 0).
        output = scheduler.Schedule();
        Assert.Equal(SchedulerTestHelpers.Chunk(b, 4, 5, true), output.Chunks[0]);
        Assert.Equal([2, 3, 1], b.BlockIds);
        Assert.Equal(0, b.NumCachedPromptTokens);          // usage counts the first admission only
        Assert.Equal(SchedulerTestHelpers.Chunk(c, 0, 3, true), output.Chunks[1]);
        Assert.Equal([0], c.BlockIds);
        scheduler.Update(output, [7, 8]);
        Assert.Equal([20, 21, 22, 23, 24, 1000, 1000, 1000, 1000, 7], b.Tokens);
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void Schedule_NeedyRequestIsLatest_PreemptsItself()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 3));
        var a = SchedulerTestHelpers.Request("a", 5, first: 1);
        var b = SchedulerTestHelpers.Request("b", 3, first: 20);
        scheduler.TryAdd(a);
        scheduler.TryAdd(b);
        SchedulerTestHelpers.Step(scheduler);              // a: 0 1, b: 2
        SchedulerTestHelpers.Step(scheduler);              // a at 5, b at 3: no new blocks

        // b's position 4 needs a block; a (earlier) keeps its own, so b is the one to go.
        var output = scheduler.Schedule();
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 6, 1, true)], output.Chunks);
        Assert.Equal([b], output.Preempted);
        Assert.Equal([0, 1], a.BlockIds);
        Assert.Equal([b], scheduler.Waiting);
        scheduler.Update(output, [1000]);
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void Schedule_PrefillNeedsBlocks_NeverPreemptsAnAlreadyPlannedDecode()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 5, maxPrefillChunk: 4));
        var p = SchedulerTestHelpers.Request("p", 18, first: 1);
        scheduler.TryAdd(p);
        SchedulerTestHelpers.Step(scheduler);              // p: 0 (positions 0..3)
        var d = SchedulerTestHelpers.Request("d", 3, first: 50);
        scheduler.TryAdd(d);
        SchedulerTestHelpers.Step(scheduler);              // p: 0 1; d: 2, samples
        SchedulerTestHelpers.Step(scheduler);              // d decodes at 3 (block 2); p: 0 1 3 (positions 8..11)

        // d (decode, planned first) takes the last free block 4 for position 4. Then p's chunk 12..15 needs a
        // block: d arrived later but is already planned, so p, the latest unplanned request, preempts itself.
        var output = scheduler.Schedule();
        Assert.Equal([SchedulerTestHelpers.Chunk(d, 4, 1, true)], output.Chunks);
        Assert.Equal([p], output.Preempted);
        Assert.Equal([2, 4], d.BlockIds);
        Assert.Equal([3, 1, 0], scheduler.KvCache.Pool.FreeOrder);   // p's blocks, tail first, still cached
        scheduler.Update(output, [1000]);
        SchedulerTestHelpers.AssertInvariants(scheduler);

        // p's three blocks are hits, but the fourth (for 12..15) is not there: 3 revived + 1 fresh > 3 free.
        // No preemption for admission: p waits, and the attempt changed nothing.
        output = scheduler.Schedule();
        Assert.Equal([SchedulerTestHelpers.Chunk(d, 5, 1, true)], output.Chunks);
        Assert.Equal(RequestStatus.Preempted, p.Status);
        Assert.Equal([3, 1, 0], scheduler.KvCache.Pool.FreeOrder);
        scheduler.Update(output, [1000]);

        // Once d is gone (its 4 then 2 join the queue: 3 1 0 4 2), p resumes at 12 on its cached blocks.
        scheduler.Finish("d", FinishReason.Cancelled);
        output = scheduler.Schedule();
        Assert.Equal([SchedulerTestHelpers.Chunk(p, 12, 4, false)], output.Chunks);
        Assert.Equal([0, 1, 3, 4], p.BlockIds);
        Assert.Equal(0, p.NumCachedPromptTokens);          // usage counts the first admission only
        scheduler.Update(output, []);
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }
}
