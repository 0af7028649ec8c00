// Issue 7/14/18: the batched, paged forward pass of every architecture (Llama family, Gemma 2/3). A sequence run alone (a
// SequenceState: a batch of one, its blocks in order) equals the same sequence inside a mixed batch, bit for
// bit, with equal greedy continuations; and a sequence's logits are the same bits whether its prompt is one
// chunk or several, whatever other sequences share the step, whatever the block size and however its blocks
// are scattered. (Against independent implementations: LlamaReferenceTests and LlamaCppLiveComparisonTests.)
using Meridian.Backends.Cpu;
using Meridian.Core.Tensors;
using Meridian.Tests.Shared;

namespace Meridian.Models.Tests;

public sealed class ForwardBatchTests
{
    // D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, Dh = head dim, L = layers
    private static readonly SyntheticShape Shape = new(D: 64, F: 128, V: 40, H: 4, Hkv: 2, Dh: 16, L: 2);


    private const int Steps = 20;

    [Theory]
    [InlineData("llama", DType.F32)]
    [InlineData("qwen2", DType.F32)]  // q/k/v biases
    [InlineData("qwen3", DType.F16)]  // q/k norm
    [InlineData("llama", DType.Q4_0)]
    [InlineData("qwen3", DType.Q8_0)]
    [InlineData("gemma2", DType.F32)] // sandwich norms, GeGLU, soft-caps, alternating windows
    [InlineData("gemma3", DType.Q4_0)] // q/k norms, five sliding layers to one global
    [InlineData("phi3", DType.Q8_0)]   // fused weights split at load, partial rotation
    [InlineData("qwen3moe", DType.Q4_0)] // experts: tokens grouped by expert, a different grouping in every step
    [InlineData("mixtral", DType.F32)]
    [InlineData("gpt-oss", DType.MXFP4)] // sinks, biases, the clamped SwiGLU
    public void ForwardBatch_MixedSequences_MatchesForwardPerSequence(string arch, DType type)
    {
        const float tolerance = 0f; // batch invariance: the same bits
        using var dir = new TempDir();
        using var device = new CpuDevice(threads: 2);
        using var model = Load(dir, arch, type, device);
        int[][] prompts = [Tokens(9, 1), Tokens(23, 2), Tokens(1, 3), Tokens(14, 4)];
        using var runner = new PagedRunner(model, numBlocks: 40, blockSize: 4, maxTokens: 40, seed: 5);

        // Step 1: all of prompt 0, the first 12 tokens of prompt 1 (no logits), prompt 2.
        // Step 2: the rest of prompt 1, first decodes of 0 and 2, all of prompt 3. Then decode all four.
        var batched = new List<float[]>[prompts.Length];
        var generated = new List<int>[prompts.Length];
        for (int i = 0; i < prompts.Length; i++)
            (batched[i], generated[i]) = ([], []);
        void Record(int seq, float[] row)
        {
            batched[seq].Add(row);
            generated[seq].Add(ArgMax(row));
        }
        var step1 = runner.Step([(0, prompts[0], 0, LogitSelection.Last), (1, prompts[1][..12], 0, LogitSelection.None), (2, prompts[2], 0, LogitSelection.Last)]);
        Record(0, step1[0]);
        Record(2, step1[1]);
        var step2 = runner.Step([(1, prompts[1][12..], 12, LogitSelection.Last), (0, [generated[0][^1]], 9, LogitSelection.Last),
            (3, prompts[3], 0, LogitSelection.Last), (2, [generated[2][^1]], 1, LogitSelection.Last)]);
        Record(1, step2[0]);
        Record(0, step2[1]);
        Record(3, step2[2]);
        Record(2, step2[3]);
        while (generated.Any(g => g.Count < Steps))
        {
            var chunks = Enumerable.Range(0, prompts.Length).Where(i => generated[i].Count < Steps)
                .Select(i => (i, new[] { generated[i][^1] }, prompts[i].Length + generated[i].Count - 1, LogitSelection.Last)).ToArray();
            var rows = runner.Step(chunks);
            for (int j = 0; j < chunks.Length; j++)
                Record(chunks[j].Item1, rows[j]);
        }

        for (int i = 0; i < prompts.Length; i++)
        {
            // The sequence alone, greedy on its own logits: the same bits, so the same tokens.
            using var state = new SequenceState(model, capacity: prompts[i].Length + Steps, maxBatch: 16);
            var logits = new float[model.VocabSize];
            state.Forward(prompts[i], 0, logits);
            for (int step = 0; step < Steps; step++)
            {
                AssertClose(logits, batched[i][step], tolerance, $"{arch} {type.Name()} sequence {i} step {step}");
                int token = ArgMax(logits);
                if (token != generated[i][step])
                {
                    Assert.True(logits[token] - logits[generated[i][step]] <= 2 * tolerance,
                        $"sequence {i} step {step}: single path picks {token}, batched {generated[i][step]}, not a near tie");
                    break;
                }
                state.Forward([token], prompts[i].Length + step, logits);
            }
        }
    }

    [Theory]
    [InlineData("llama", DType.F32)]
    [InlineData("qwen2", DType.F16)]
    [InlineData("qwen3", DType.Q4_1)]
    [InlineData("llama", DType.Q8_0)]
    [InlineData("gemma2", DType.Q8_0)]
    [InlineData("gemma3", DType.F16)]
    [InlineData("phi3", DType.F32)]
    [InlineData("olmoe", DType.Q8_0)]
    public void ForwardBatch_ChunkingBatchingAndBlocks_BitwiseInvariant(string arch, DType type)
    {
        using var dir = new TempDir();
        using var device = new CpuDevice(threads: 2);
        using var model = Load(dir, arch, type, device);
        int[] prompt = Tokens(40, 9), decodes = Tokens(10, 10);
        int[][] others = [Tokens(23, 11), Tokens(5, 12)];

        // Alone: the whole prompt as one chunk (every row's logits), then one token per step.
        List<float[]> alone;
        using (var runner = new PagedRunner(model, numBlocks: 4, blockSize: 16, maxTokens: 40, seed: 1))
            alone = Run(runner, [(0, 40)], withOthers: false);

        // Chunks 16 + 16 + 8 next to other sequences, blocks of 3 scattered among theirs; decodes in company.
        List<float[]> batched;
        using (var runner = new PagedRunner(model, numBlocks: 60, blockSize: 3, maxTokens: 64, seed: 2))
            batched = Run(runner, [(0, 16), (16, 16), (32, 8)], withOthers: true);

        Assert.Equal(alone.Count, batched.Count);
        for (int i = 0; i < alone.Count; i++)
            Assert.True(alone[i].AsSpan().SequenceEqual(batched[i]), $"{arch} {type.Name()}: row {i} differs between runs");

        // Logit rows of the prompt (all of them), then of each decode step.
        List<float[]> Run(PagedRunner runner, (int Start, int Count)[] chunks, bool withOthers)
        {
            var rows = new List<float[]>();
            int otherPos = 0;
            foreach (var (start, count) in chunks)
            {
                var step = new List<(int, int[], int, LogitSelection)>();
                if (withOthers)
                    step.Add((1, others[0][otherPos..(otherPos + 5)], otherPos, LogitSelection.Last));
                step.Add((0, prompt[start..(start + count)], start, LogitSelection.All));
                if (withOthers && otherPos == 0)
                    step.Add((2, others[1], 0, LogitSelection.All));
                otherPos += 5;
                var result = runner.Step([.. step]);
                rows.AddRange(result.Skip(withOthers ? 1 : 0).Take(count));
            }
            for (int d = 0; d < decodes.Length; d++)
            {
                var step = new List<(int, int[], int, LogitSelection)>();
                if (withOthers && d % 2 == 0)
                    step.Add((2, [others[1][d % 5]], 5 + d / 2, LogitSelection.Last));
                step.Add((0, [decodes[d]], 40 + d, LogitSelection.Last));
                var result = runner.Step([.. step]);
                rows.Add(result[^1]);
            }
            return rows;
        }
    }

    [Fact]
    public void CopyBlock_CopiedBlocks_GiveTheSameLogits()
    {
        using var dir = new TempDir();
        using var device = new CpuDevice(threads: 2);
        using var model = Load(dir, "llama", DType.F32, device);
        using var state = model.CreateBatchState(numBlocks: 8, blockSize: 4, maxTokens: 16);
        var input = new BatchInput(maxTokens: 16, maxSequences: 2, maxBlocksPerSequence: 4, blockSize: 4);
        var logits = new float[model.VocabSize];
        input.AddSequence(Tokens(10, 3), 0, [5, 1, 6], LogitSelection.None);
        model.ForwardBatch(state, input, []);
        // Decode position 10 on the original blocks, then on copies (copy-on-write of a shared prefix).
        input.Clear();
        input.AddSequence([7], 10, [5, 1, 6], LogitSelection.Last);
        model.ForwardBatch(state, input, logits);
        var original = (float[])logits.Clone();
        state.CopyBlock(5, 0);
        state.CopyBlock(1, 2);
        state.CopyBlock(6, 3);
        input.Clear();
        input.AddSequence([7], 10, [0, 2, 3], LogitSelection.Last);
        model.ForwardBatch(state, input, logits);
        Assert.Equal(original, logits);
        Assert.Throws<ArgumentOutOfRangeException>(() => state.CopyBlock(8, 0));
    }

    [Fact]
    public void ForwardBatch_BadInput_ThrowsNamingTheProblem()
    {
        using var dir = new TempDir();
        using var device = new CpuDevice(threads: 2);
        using var model = Load(dir, "llama", DType.F32, device);
        using var state = model.CreateBatchState(numBlocks: 4, blockSize: 4, maxTokens: 8);
        var logits = new float[model.VocabSize];

        var input = new BatchInput(maxTokens: 16, maxSequences: 2, maxBlocksPerSequence: 4, blockSize: 4);
        input.AddSequence(Tokens(3, 1), 0, [0], LogitSelection.Last);
        input.AddSequence(Tokens(2, 2), 3, [1, 4], LogitSelection.Last); // positions 3, 4: block 4 does not exist
        Assert.Contains("sequence 1, position 4: block id 4", Assert.Throws<ArgumentException>(() => model.ForwardBatch(state, input, new float[2 * model.VocabSize])).Message);

        input.Clear();
        input.AddSequence(Tokens(3, 1), 0, [0], LogitSelection.Last);
        Assert.Contains("logits must hold 1×40", Assert.Throws<ArgumentException>(() => model.ForwardBatch(state, input, new float[7])).Message);

        input.Clear();
        input.AddSequence(Tokens(9, 1), 0, [0, 1, 2], LogitSelection.Last);
        Assert.Contains("at most 8", Assert.Throws<ArgumentException>(() => model.ForwardBatch(state, input, logits)).Message);

        var wrongBlocks = new BatchInput(maxTokens: 8, maxSequences: 1, maxBlocksPerSequence: 4, blockSize: 2);
        wrongBlocks.AddSequence(Tokens(3, 1), 0, [0, 1], LogitSelection.Last);
        Assert.Contains("blocks of 2", Assert.Throws<ArgumentException>(() => model.ForwardBatch(state, wrongBlocks, logits)).Message);

        input.Clear();
        input.AddSequence([99], 0, [0], LogitSelection.Last);
        Assert.Contains("token id 99", Assert.ThrowsAny<Exception>(() => model.ForwardBatch(state, input, logits)).Message);
    }

    internal static ILanguageModel Load(TempDir dir, string arch, DType type, CpuDevice device, int seed = 21)
    {
        string path = dir.File($"{arch}-{type.Name()}.gguf");
        var model = SyntheticModel.Random(arch, arch == "gemma3" ? Shape with { L = 6 } : Shape, seed);
        if (model.IsGemma)
        {
            // The quirks on: windows shorter than the prompts, soft-caps that bite, Gemma 3's one global layer in six.
            model.SlidingWindow = 5;
            model.AttnSoftcap = arch == "gemma2" ? 1.5f : 0f;
            model.FinalSoftcap = arch == "gemma2" ? 2f : 0f;
        }
        if (arch == "gpt-oss")
            model.SlidingWindow = 5;
        if (arch == "phi3")
        {
            model.RotaryDim = 12; // of 16
            model.ShortFactors = Enumerable.Range(0, 6).Select(i => 1f + 0.1f * i).ToArray();
            model.LongFactors = Enumerable.Range(0, 6).Select(i => 1f + 3f * i).ToArray();
            model.OriginalContext = 16;
            model.AttnFactor = 1.2f;
        }
        model.WriteGguf(path, type);
        return ModelLoader.Load(path, device);
    }

    internal static int[] Tokens(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => rng.Next(Shape.V)).ToArray();
    }

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tolerance * MathF.Max(1f, MathF.Abs(expected[i])),
                $"{what}: logit {i} single path {expected[i]}, batched {actual[i]}");
    }
}
