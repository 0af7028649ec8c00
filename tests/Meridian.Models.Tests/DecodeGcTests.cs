// Issue 6: "GC count before and after 128 tokens must be equal". Decodes 128 tokens of a synthetic
// model on the CPU backend after warm-up and compares GC.CollectionCount for every generation.
using Meridian.Backends.Cpu;
using Meridian.Core.Tensors;
using Meridian.Tests.Shared;
using Xunit.Abstractions;

namespace Meridian.Models.Tests;

// In DecodeAllocationTests' collection, which runs alone: collection counts are process-wide, and
// another test allocating in parallel would trigger collections this one did not cause.
[Collection(nameof(DecodeAllocationTests))]
public sealed class DecodeGcTests(ITestOutputHelper output)
{
    // D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, Dh = head dim, L = layers
    private static readonly SyntheticShape Shape = new(D: 64, F: 128, V: 40, H: 4, Hkv: 2, Dh: 16, L: 2);

    private const int Prompt = 5, WarmUp = 16, Decoded = 128;

    [Theory]
    [InlineData("llama", DType.Q4_0)]  // the block kernels of the benchmark models
    [InlineData("qwen2", DType.F16)]   // q/k/v biases, rows decoded in the matmul
    [InlineData("qwen3", DType.Q8_0)]  // q/k norm
    public void Decode128Tokens_AfterWarmUp_NoCollection(string arch, DType matrixType)
    {
        var synthetic = SyntheticModel.Random(arch, Shape, seed: 11);
        using var dir = new TempDir();
        string path = dir.File("model.gguf");
        synthetic.WriteGguf(path, matrixType);

        using var device = new CpuDevice(threads: 2);
        using var model = ModelLoader.Load(path, device);
        using var state = new SequenceState(model, capacity: Prompt + WarmUp + Decoded, maxBatch: 8);
        var logits = new float[model.VocabSize];
        int[] prompt = [1, 7, 3, 39, 0];
        state.Forward(prompt, 0, logits);
        int pos = Prompt;
        int[] one = new int[1];
        void Step()
        {
            one[0] = ArgMax(logits);
            state.Forward(one, pos++, logits);
        }
        for (int i = 0; i < WarmUp; i++)
            Step();

        // Start from an empty gen0 so the count cannot move for garbage made before the measured tokens.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int[] before = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        long total0 = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < Decoded; i++)
            Step();
        long total = GC.GetTotalAllocatedBytes(precise: true) - total0;
        int[] after = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

        output.WriteLine($"{arch} {matrixType}, {Decoded} tokens: collections gen0/1/2 [{string.Join(", ", before)}] -> [{string.Join(", ", after)}], process allocated {total} B");
        Assert.Equal(before, after);
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }
}
