// Scheduler step policy: chunked prefill beside decodes, token budget, MaxRunning, MaxQueue, Finish,
// stop and length endings, and the errors at its boundary. Block size 4; traces in comments.
using Meridian.Engine.Scheduling;
using Meridian.Engine.Serving;

namespace Meridian.Engine.Tests.Scheduling;

public class SchedulerTests
{
    [Fact]
    public void Schedule_LongPromptBesideDecodes_DecodesEveryStepPromptAdvancesByChunks()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64, maxBatchTokens: 8, maxPrefillChunk: 8));
        var a = SchedulerTestHelpers.Request("a", 3, first: 1);
        var b = SchedulerTestHelpers.Request("b", 3, first: 10);
        scheduler.TryAdd(a);
        scheduler.TryAdd(b);
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 0, 3, true), SchedulerTestHelpers.Chunk(b, 0, 3, true)],
            SchedulerTestHelpers.Step(scheduler).Output.Chunks);

        var l = SchedulerTestHelpers.Request("l", 20, first: 100);
        scheduler.TryAdd(l);
        // Budget 8: two decodes, then 6 prompt tokens; 20 = 6 + 6 + 6 + 2.
        int[][] expectedPrefill = [[0, 6], [6, 6], [12, 6], [18, 2]];
        for (int s = 0; s < expectedPrefill.Length; s++)
        {
            int pos = 3 + s;
            var (output, _) = SchedulerTestHelpers.Step(scheduler);
            bool last = s == expectedPrefill.Length - 1;
            Assert.Equal([SchedulerTestHelpers.Chunk(a, pos, 1, true), SchedulerTestHelpers.Chunk(b, pos, 1, true),
                SchedulerTestHelpers.Chunk(l, expectedPrefill[s][0], expectedPrefill[s][1], last)], output.Chunks);
            Assert.Equal(2 + expectedPrefill[s][1], output.TotalTokens);
        }
        Assert.Equal(21, l.Tokens.Count);                  // the last chunk sampled one token
        Assert.Equal(20, l.NumComputedTokens);
    }

    [Fact]
    public void Schedule_PromptLongerThanChunk_SamplesOnlyOnLastChunk()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64, maxPrefillChunk: 5));
        var a = SchedulerTestHelpers.Request("a", 12);
        scheduler.TryAdd(a);
        // 12 = 5 + 5 + 2; middle chunks sample nothing, so Update takes no token for them.
        var first = scheduler.Schedule();
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 0, 5, false)], first.Chunks);
        Assert.Equal(0, first.SampleCount);
        Assert.Empty(scheduler.Update(first, []));
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 5, 5, false)], SchedulerTestHelpers.Step(scheduler).Output.Chunks);
        Assert.Equal([SchedulerTestHelpers.Chunk(a, 10, 2, true)], SchedulerTestHelpers.Step(scheduler).Output.Chunks);
        Assert.Equal(13, a.Tokens.Count);
        Assert.Equal(1, a.OutputLength);
    }

    [Fact]
    public void Schedule_MaxRunningReached_LeavesRestWaitingUntilOneFinishes()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64, maxRunning: 2));
        var requests = Enumerable.Range(0, 3).Select(i => SchedulerTestHelpers.Request($"r{i}", 4, first: 10 * i)).ToArray();
        foreach (var r in requests)
            scheduler.TryAdd(r);
        var (output, _) = SchedulerTestHelpers.Step(scheduler);
        Assert.Equal([requests[0], requests[1]], output.Chunks.Select(c => c.Request));
        Assert.Equal((2, 1), (scheduler.RunningCount, scheduler.WaitingCount));
        Assert.Equal(RequestStatus.Waiting, requests[2].Status);

        SchedulerTestHelpers.Step(scheduler);
        Assert.Equal(RequestStatus.Waiting, requests[2].Status);
        scheduler.Finish("r0", FinishReason.Cancelled);
        (output, _) = SchedulerTestHelpers.Step(scheduler);
        Assert.Equal([SchedulerTestHelpers.Chunk(requests[1], 5, 1, true), SchedulerTestHelpers.Chunk(requests[2], 0, 4, true)],
            output.Chunks);
    }

    [Fact]
    public void TryAdd_QueueAtMaxQueue_ReturnsFalseUntilAdmissionMakesRoom()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64, maxQueue: 2));
        Assert.True(scheduler.TryAdd(SchedulerTestHelpers.Request("a", 4)));
        Assert.True(scheduler.TryAdd(SchedulerTestHelpers.Request("b", 4)));
        Assert.False(scheduler.TryAdd(SchedulerTestHelpers.Request("c", 4)));
        Assert.Equal(2, scheduler.WaitingCount);
        SchedulerTestHelpers.Step(scheduler);              // both admitted
        Assert.True(scheduler.TryAdd(SchedulerTestHelpers.Request("c", 4)));
    }

    [Fact]
    public void Finish_WaitingRequest_LeavesQueueAndIsNeverScheduled()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64));
        var a = SchedulerTestHelpers.Request("a", 4);
        scheduler.TryAdd(a);
        scheduler.Finish("a", FinishReason.Cancelled);
        Assert.Equal((RequestStatus.Finished, FinishReason.Cancelled), (a.Status, a.FinishReason));
        Assert.Equal(0, scheduler.WaitingCount);
        Assert.True(scheduler.Schedule().IsEmpty);
    }

    [Fact]
    public void Finish_RunningRequest_FreesBlocksAndDropsFromNextStep()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64));
        var a = SchedulerTestHelpers.Request("a", 9);
        var b = SchedulerTestHelpers.Request("b", 2, first: 50);
        scheduler.TryAdd(a);
        scheduler.TryAdd(b);
        SchedulerTestHelpers.Step(scheduler);
        Assert.Equal(3 + 1, scheduler.BlockStats.Used);
        scheduler.Finish("a", FinishReason.Cancelled);
        Assert.Empty(a.BlockIds);
        Assert.Equal(1, scheduler.BlockStats.Used);
        Assert.Equal([SchedulerTestHelpers.Chunk(b, 2, 1, true)], SchedulerTestHelpers.Step(scheduler).Output.Chunks);
        scheduler.Finish("a", FinishReason.Stop);          // finished: no-op, reason unchanged
        scheduler.Finish("nobody", FinishReason.Stop);     // unknown: no-op
        Assert.Equal(FinishReason.Cancelled, a.FinishReason);
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void Update_StopToken_FinishesWithStopAndAppendsIt()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64));
        var a = SchedulerTestHelpers.Request("a", 3, maxTokens: 10, stop: [2000]);
        scheduler.TryAdd(a);
        Assert.Empty(SchedulerTestHelpers.Step(scheduler, token: 7).Finished);
        var (_, finished) = SchedulerTestHelpers.Step(scheduler, token: 2000);
        Assert.Equal([a], finished);
        Assert.Equal((RequestStatus.Finished, FinishReason.Stop), (a.Status, a.FinishReason));
        Assert.Equal([1, 2, 3, 7, 2000], a.Tokens);
        Assert.Equal(2, a.OutputLength);
        Assert.Empty(a.BlockIds);
        Assert.Equal(0, scheduler.BlockStats.Used);
        Assert.Equal(0, scheduler.RunningCount);
    }

    [Fact]
    public void Update_MaxTokensReached_FinishesWithLength()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64));
        var a = SchedulerTestHelpers.Request("a", 3, maxTokens: 2);
        scheduler.TryAdd(a);
        Assert.Empty(SchedulerTestHelpers.Step(scheduler).Finished);
        Assert.Equal([a], SchedulerTestHelpers.Step(scheduler).Finished);
        Assert.Equal(FinishReason.Length, a.FinishReason);
        Assert.Equal(2, a.OutputLength);
    }

    [Fact]
    public void Update_ContextFull_FinishesWithLength()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64, maxModelLength: 6));
        var a = SchedulerTestHelpers.Request("a", 4, maxTokens: 100);
        scheduler.TryAdd(a);
        SchedulerTestHelpers.Step(scheduler);              // 5 tokens
        Assert.Equal([a], SchedulerTestHelpers.Step(scheduler).Finished);   // 6 = MaxModelLength
        Assert.Equal(FinishReason.Length, a.FinishReason);
        Assert.Equal(6, a.Tokens.Count);
    }

    [Fact]
    public void Update_RequestFinishedAfterSchedule_SkipsItsChunk()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64));
        var a = SchedulerTestHelpers.Request("a", 3);
        var b = SchedulerTestHelpers.Request("b", 3, first: 10);
        scheduler.TryAdd(a);
        scheduler.TryAdd(b);
        var output = scheduler.Schedule();
        scheduler.Finish("a", FinishReason.Cancelled);
        Assert.Empty(scheduler.Update(output, [5, 6]));
        Assert.Equal([1, 2, 3], a.Tokens);                 // a's sampled 5 was dropped
        Assert.Equal([10, 11, 12, 6], b.Tokens);
        SchedulerTestHelpers.AssertInvariants(scheduler);
    }

    [Fact]
    public void Update_WrongSampleCountOrStaleOutput_Throws()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 64));
        scheduler.TryAdd(SchedulerTestHelpers.Request("a", 3));
        var output = scheduler.Schedule();
        Assert.Throws<ArgumentException>(() => scheduler.Update(output, [1, 2]));
        scheduler.Update(output, [1]);
        Assert.Throws<InvalidOperationException>(() => scheduler.Update(output, [1]));
        var first = scheduler.Schedule();
        scheduler.Schedule();                              // replaces the plan
        Assert.Throws<InvalidOperationException>(() => scheduler.Update(first, [1]));
    }

    [Fact]
    public void TryAdd_BadRequests_ThrowNamingTheProblem()
    {
        var scheduler = new Scheduler(SchedulerTestHelpers.Options(numBlocks: 4, maxModelLength: 10));
        Assert.Contains("empty prompt", Assert.Throws<ArgumentException>(() => scheduler.TryAdd(SchedulerTestHelpers.Request("a", 0))).Message);
        var tooLong = Assert.Throws<PromptTooLongException>(() => scheduler.TryAdd(SchedulerTestHelpers.Request("b", 10)));
        Assert.Equal((10, 10), (tooLong.PromptTokens, tooLong.MaxContext));
        var c = SchedulerTestHelpers.Request("c", 9);
        Assert.True(scheduler.TryAdd(c));
        Assert.Contains("already added", Assert.Throws<ArgumentException>(() => scheduler.TryAdd(c)).Message);
        Assert.Contains("already in use", Assert.Throws<ArgumentException>(() => scheduler.TryAdd(SchedulerTestHelpers.Request("c", 3))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SchedulerTestHelpers.Request("d", 3, maxTokens: 0));
    }

    [Theory]
    [InlineData(0, 16, 16, nameof(SchedulerOptions.BlockSize))]
    [InlineData(4, 0, 16, nameof(SchedulerOptions.NumBlocks))]
    [InlineData(4, 4, 1, nameof(SchedulerOptions.MaxModelLength))]
    [InlineData(4, 4, 17, nameof(SchedulerOptions.MaxModelLength))]   // 4 blocks x 4 = 16 positions < 17
    public void Validate_OutOfRange_NamesTheField(int blockSize, int numBlocks, int maxModelLength, string field)
    {
        var options = new SchedulerOptions { BlockSize = blockSize, NumBlocks = numBlocks, MaxModelLength = maxModelLength };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(field, error.ParamName);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void Validate_OtherLimits_NameTheField()
    {
        var ok = SchedulerTestHelpers.Options(numBlocks: 4);
        ok.Validate();
        Assert.Equal(nameof(SchedulerOptions.MaxRunning), Assert.Throws<ArgumentException>((ok with { MaxRunning = 0 }).Validate).ParamName);
        Assert.Equal(nameof(SchedulerOptions.MaxQueue), Assert.Throws<ArgumentException>((ok with { MaxQueue = -1 }).Validate).ParamName);
        Assert.Equal(nameof(SchedulerOptions.MaxBatchTokens), Assert.Throws<ArgumentException>((ok with { MaxBatchTokens = 0 }).Validate).ParamName);
        Assert.Equal(nameof(SchedulerOptions.MaxPrefillChunk), Assert.Throws<ArgumentException>((ok with { MaxPrefillChunk = 0 }).Validate).ParamName);
    }
}
