// The serving engine end to end on a small F32 model: batching never changes greedy results (against
// each request run alone, and against the single-sequence TextGenerator path), prefix-cache hits,
// preemption, cancellation freeing KV blocks, the queue limit, chunked prefill beside a running
// stream, and the finish reasons.
using Meridian.Engine.Generation;
using Meridian.Engine.Sampling;
using Meridian.Engine.Serving;

namespace Meridian.Engine.Tests.Serving;

public sealed class LlmEngineTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    private static readonly int[] PromptLengths = [5, 17, 40, 70, 3, 33];

    [Fact]
    public async Task Batching_GreedyTokens_EqualEachRequestAlone()
    {
        // Small steps so long prompts prefill in several chunks while others decode.
        var options = new LlmEngineOptions { MaxBatchTokens = 24, MaxRunning = 8 };
        var alone = new List<List<int>>();
        using (var engine = fx.CreateEngine(options))
        {
            for (int i = 0; i < PromptLengths.Length; i++)
                alone.Add((await EngineFixture.ReadAll(engine.Submit(new(EngineFixture.Prompt(PromptLengths[i], i), EngineFixture.Greedy(20))))).Tokens);
        }
        using (var engine = fx.CreateEngine(options))
        {
            var handles = PromptLengths.Select((n, i) => engine.Submit(new(EngineFixture.Prompt(n, i), EngineFixture.Greedy(20)))).ToList();
            var batched = await Task.WhenAll(handles.Select(EngineFixture.ReadAll));
            for (int i = 0; i < handles.Count; i++)
                Assert.Equal(alone[i], batched[i].Tokens);
        }
    }

    [Fact]
    public async Task Batching_SeededSampling_EqualEachRequestAlone()
    {
        // Ten sequences sample in one step, so their samplers run in parallel; each keeps its own RNG.
        var options = new LlmEngineOptions { MaxBatchTokens = 64 };
        SamplingOptions Seeded(int i) => new() { Temperature = 0.8f, TopP = 0.9f, Seed = (ulong)(100 + i), MaxTokens = 12, IgnoreEos = true };
        var alone = new List<List<int>>();
        using (var engine = fx.CreateEngine(options))
        {
            for (int i = 0; i < 10; i++)
                alone.Add((await EngineFixture.ReadAll(engine.Submit(new(EngineFixture.Prompt(4 + i, i), Seeded(i))))).Tokens);
        }
        using (var engine = fx.CreateEngine(options))
        {
            var handles = Enumerable.Range(0, 10).Select(i => engine.Submit(new(EngineFixture.Prompt(4 + i, i), Seeded(i)))).ToList();
            var batched = await Task.WhenAll(handles.Select(EngineFixture.ReadAll));
            for (int i = 0; i < handles.Count; i++)
                Assert.Equal(alone[i], batched[i].Tokens);
        }
    }

    [Fact]
    public async Task Alone_GreedyTokens_EqualOneSequenceFedByHand()
    {
        using var engine = fx.CreateEngine(new LlmEngineOptions { MaxBatchTokens = 16 });
        for (int i = 0; i < 3; i++)
        {
            var prompt = EngineFixture.Prompt(PromptLengths[i], i);
            var (tokens, _) = await EngineFixture.ReadAll(engine.Submit(new(prompt, EngineFixture.Greedy(16))));
            // One sequence fed by hand (no scheduler, no prefix cache, no sampler): argmax, feed it back.
            using var state = new Meridian.Models.SequenceState(fx.Model, capacity: 128);
            var expected = new List<int>();
            var logits = new float[fx.Model.VocabSize];
            state.Forward(prompt, 0, logits);
            for (int step = 0; step < 16; step++)
            {
                expected.Add(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits));
                state.Forward([expected[^1]], prompt.Length + step, logits);
            }
            Assert.Equal(expected, tokens);
        }
    }

    [Fact]
    public async Task PenalizePrompt_PenaltiesCountThePrompt_OnlyWhenAsked()
    {
        // A prompt whose greedy next token f already occurs in it (the probe plus its greedy continuation up to
        // the first repeat), then the strongest presence and frequency penalties (-4 on every token seen): counted
        // over generated tokens only (OpenAI's API) f still wins the first step; counted over the prompt too
        // (run/chat, as llama.cpp) it is pushed down.
        using var engine = fx.CreateEngine();
        var probe = EngineFixture.Prompt(6, 3);
        var continuation = (await EngineFixture.ReadAll(engine.Submit(new(probe, EngineFixture.Greedy(40))))).Tokens;
        int k = Enumerable.Range(0, continuation.Count).First(i => probe.Contains(continuation[i]) || continuation.Take(i).Contains(continuation[i]));
        int[] prompt = [.. probe, .. continuation.Take(k)];
        int f = continuation[k];
        var penalized = EngineFixture.Greedy(1) with { PresencePenalty = 2, FrequencyPenalty = 2, PenaltyLastN = -1 };
        int apiStyle = (await EngineFixture.ReadAll(engine.Submit(new(prompt, penalized)))).Tokens[0];
        int withPrompt = (await EngineFixture.ReadAll(engine.Submit(new(prompt, penalized) { PenalizePrompt = true }))).Tokens[0];
        Assert.Equal(f, apiStyle); // nothing generated yet: nothing to penalize
        Assert.True(withPrompt != f, $"f={f} withPrompt={withPrompt} prompt=[{string.Join(",", prompt)}]");
    }

    [Fact]
    public async Task PrefixCache_SecondRequest_ReportsCachedFullBlocksAndSameTokens()
    {
        var prompt = EngineFixture.Prompt(40, 9);
        using var engine = fx.CreateEngine(new LlmEngineOptions { BlockSize = 16 });
        var first = await EngineFixture.ReadAll(engine.Submit(new(prompt, EngineFixture.Greedy(8))));
        Assert.Equal(0, first.Last.Usage.CachedPromptTokens);
        var second = await EngineFixture.ReadAll(engine.Submit(new(prompt, EngineFixture.Greedy(8))));
        Assert.Equal(32, second.Last.Usage.CachedPromptTokens); // two full blocks of 16; the tail is recomputed
        Assert.Equal(first.Tokens, second.Tokens);
        Assert.True(engine.GetStats().PrefixHitTokens >= 32);
    }

    [Fact]
    public async Task PromptLogprobs_AfterTheSamePromptWasCached_OneEntryPerPromptToken()
    {
        // A cached prefix skips computing its rows, so a request asking for prompt logprobs must not use it:
        // the second request's entries must be the first-ever run's, one per prompt token, in order.
        var prompt = EngineFixture.Prompt(40, 9);
        using var engine = fx.CreateEngine(new LlmEngineOptions { BlockSize = 16 });
        var withLogprobs = new EngineRequest(prompt, EngineFixture.Greedy(4)) { PromptLogprobs = true };
        var a = await PromptLogprobsOf(engine.Submit(withLogprobs));
        var b = await PromptLogprobsOf(engine.Submit(withLogprobs));
        Assert.Equal(prompt.Length, a.Count);
        Assert.Equal(prompt.Length, b.Count);
        Assert.Null(b[0]);
        for (int i = 1; i < prompt.Length; i++)
        {
            Assert.Equal(prompt[i], b[i]!.TokenId);
            Assert.Equal(a[i]!.Logprob, b[i]!.Logprob);
        }

        // They come with the first output.
        static async Task<IReadOnlyList<TokenLogprob?>> PromptLogprobsOf(RequestHandle handle)
        {
            IReadOnlyList<TokenLogprob?>? found = null;
            await foreach (var output in handle.ReadAllAsync())
                found ??= output.PromptLogprobs;
            return found ?? throw new InvalidOperationException("no output carried the prompt logprobs");
        }
    }

    [Fact]
    public async Task SameCallerId_TwoRequests_BothFinish_AndCancellingOneLeavesTheOther()
    {
        using var engine = fx.CreateEngine();
        var a = engine.Submit(new(EngineFixture.Prompt(10, 1), EngineFixture.Greedy(6)) { Id = "same" });
        var b = engine.Submit(new(EngineFixture.Prompt(12, 2), EngineFixture.Greedy(6)) { Id = "same" });
        Assert.Equal("same", a.Id);
        Assert.Equal("same", b.Id);
        var (ta, ra) = await EngineFixture.ReadAll(a).WaitAsync(TimeSpan.FromSeconds(30));
        a.Dispose(); // a late cancel of the finished request must not reach the other one
        var (tb, rb) = await EngineFixture.ReadAll(b).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(FinishReason.Length, ra.FinishReason);
        Assert.Equal(FinishReason.Length, rb.FinishReason);
        Assert.Equal(6, ta.Count);
        Assert.Equal(6, tb.Count);
        Assert.Null(engine.Fault);
    }

    [Fact]
    public async Task Preemption_FewBlocks_RecomputesAndKeepsTokens()
    {
        var options = new LlmEngineOptions { BlockSize = 4, KvBlocks = 24, MaxBatchTokens = 32, EnablePrefixCaching = false };
        var prompts = Enumerable.Range(0, 4).Select(i => EngineFixture.Prompt(12 + i, 50 + i)).ToArray();
        var alone = new List<List<int>>();
        using (var engine = fx.CreateEngine(options))
        {
            foreach (var p in prompts)
                alone.Add((await EngineFixture.ReadAll(engine.Submit(new(p, EngineFixture.Greedy(30))))).Tokens);
        }
        using (var engine = fx.CreateEngine(options))
        {
            var handles = prompts.Select(p => engine.Submit(new(p, EngineFixture.Greedy(30)))).ToList();
            var batched = await Task.WhenAll(handles.Select(EngineFixture.ReadAll));
            Assert.True(engine.GetStats().Preemptions > 0, "4 requests of ~45 positions cannot share 24 blocks of 4 without preemption");
            for (int i = 0; i < prompts.Length; i++)
                Assert.Equal(alone[i], batched[i].Tokens);
        }
    }

    [Fact]
    public async Task Cancel_MidStream_FreesBlocks()
    {
        using var engine = fx.CreateEngine(new LlmEngineOptions { EnablePrefixCaching = false });
        var handle = engine.Submit(new(EngineFixture.Prompt(20, 3), EngineFixture.Greedy(10_000)));
        RequestOutput? last = null;
        int seen = 0;
        await foreach (var output in handle.ReadAllAsync())
        {
            last = output;
            if (++seen == 3)
                handle.Dispose(); // the client went away
        }
        Assert.Equal(FinishReason.Cancelled, last!.FinishReason);
        await WaitFor(() => engine.GetStats() is { Running: 0, KvBlocksUsed: 0 });
    }

    [Fact]
    public async Task Submit_QueueFull_Throws()
    {
        using var engine = fx.CreateEngine(new LlmEngineOptions { MaxRunning = 1, MaxQueue = 1 });
        using var running = engine.Submit(new(EngineFixture.Prompt(8, 1), EngineFixture.Greedy(10_000)));
        await using var e = running.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await e.MoveNextAsync()); // running now
        using var queued = engine.Submit(new(EngineFixture.Prompt(8, 2), EngineFixture.Greedy(4)));
        var ex = Assert.Throws<EngineQueueFullException>(() => engine.Submit(new(EngineFixture.Prompt(8, 3), EngineFixture.Greedy(4))));
        Assert.Equal(1, ex.MaxQueue);
    }

    [Fact]
    public async Task LongPrompt_DoesNotStallRunningStream()
    {
        using var engine = fx.CreateEngine(new LlmEngineOptions { MaxBatchTokens = 16, MaxContext = 512 });
        using var running = engine.Submit(new(EngineFixture.Prompt(8, 1), EngineFixture.Greedy(10_000)));
        await using var stream = running.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());

        // 300 prompt tokens in steps of 16 tokens, one of which is the running stream's decode.
        var longOne = engine.Submit(new(EngineFixture.Prompt(300, 7), EngineFixture.Greedy(1)));
        var longDone = EngineFixture.ReadAll(longOne);
        int tokensMeanwhile = 0;
        while (!longDone.IsCompleted && await stream.MoveNextAsync())
            tokensMeanwhile += stream.Current.TokenIds.Count;
        await longDone;
        // The prompt needs ceil(300 / 15) = 20 steps; each of them decoded one token of the running stream.
        Assert.True(tokensMeanwhile >= 15, $"the running stream got only {tokensMeanwhile} tokens while a 300-token prompt prefilled");
    }

    [Fact]
    public async Task FinishReasons_MaxTokensAndStopString()
    {
        using var engine = fx.CreateEngine();
        var prompt = EngineFixture.Prompt(10, 4);
        var (tokens, last) = await EngineFixture.ReadAll(engine.Submit(new(prompt, EngineFixture.Greedy(7))));
        Assert.Equal(FinishReason.Length, last.FinishReason);
        Assert.Equal(7, tokens.Count);
        Assert.Equal(new Usage(10, 7, 0), last.Usage);

        // Stop at the text of the third generated token: at most 3 tokens come back and the text stops before it.
        string third = fx.Tokenizer.Decode([tokens[2]]);
        if (third.Length > 0)
        {
            var stopAt = EngineFixture.Greedy(7) with { StopStrings = [third] };
            var outputs = new List<RequestOutput>();
            await foreach (var o in engine.Submit(new(prompt, stopAt)).ReadAllAsync())
                outputs.Add(o);
            Assert.Equal(FinishReason.Stop, outputs[^1].FinishReason);
            Assert.DoesNotContain(third, string.Concat(outputs.Select(o => o.Text)));
        }
    }

    [Fact]
    public void Submit_PromptAsLongAsContext_ThrowsWithBothNumbers()
    {
        using var engine = fx.CreateEngine(new LlmEngineOptions { MaxContext = 64 });
        var ex = Assert.Throws<PromptTooLongException>(() => engine.Submit(new(EngineFixture.Prompt(64, 1), EngineFixture.Greedy(1))));
        Assert.Equal((64, 64), (ex.PromptTokens, ex.MaxContext));
        Assert.Contains("64", ex.Message);
        Assert.Throws<ArgumentException>(() => engine.Submit(new([1, 999], EngineFixture.Greedy(1))));
        Assert.Throws<ArgumentException>(() => engine.Submit(new([1, 5], new SamplingOptions { TopP = 2f })));
    }

    [Fact]
    public async Task ModelFails_RequestsEndWithTheErrorAndEngineRefusesMore()
    {
        using var model = new FailingModel(fx.Model, failAtCall: 3);
        using var engine = new LlmEngine(model, fx.Tokenizer, null, new LlmEngineOptions());
        var handle = engine.Submit(new(EngineFixture.Prompt(8, 1), EngineFixture.Greedy(50)));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in handle.ReadAllAsync())
            {
            }
        });
        Assert.Equal("step 3 failed", e.Message);
        Assert.Equal("step 3 failed", engine.Fault);
        var refused = Assert.Throws<Meridian.Core.MeridianException>(() => engine.Submit(new(EngineFixture.Prompt(8, 2), EngineFixture.Greedy(5))));
        Assert.Contains("step 3 failed", refused.Message);
    }

    // Delegates to a real model but throws from its Nth batched forward pass (a stand-in for a backend fault).
    private sealed class FailingModel(Meridian.Models.ILanguageModel inner, int failAtCall) : Meridian.Models.ILanguageModel
    {
        private int _calls;

        public int VocabSize => inner.VocabSize;

        public int ContextLength => inner.ContextLength;

        public long KvBytesPerToken => inner.KvBytesPerToken;

        public Meridian.Core.Backends.IDevice Device => inner.Device;

        public Meridian.Core.Tensors.DType KvType => inner.KvType;

        public Meridian.Models.BatchState CreateBatchState(int numBlocks, int blockSize, int maxTokens) => inner.CreateBatchState(numBlocks, blockSize, maxTokens);

        public void ForwardBatch(Meridian.Models.BatchState state, Meridian.Models.BatchInput input, Span<float> logits)
        {
            if (++_calls == failAtCall)
                throw new InvalidOperationException($"step {failAtCall} failed");
            inner.ForwardBatch(state, input, logits);
        }

        public void Dispose()
        {
        }
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
            await Task.Delay(10);
        Assert.True(condition());
    }
}
