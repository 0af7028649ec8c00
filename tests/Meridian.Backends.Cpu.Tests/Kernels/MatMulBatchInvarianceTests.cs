// Batch invariance of the matmul kernels: a token's output row must be the same bits whether the call
// has 1 token (the decode path), a few (prefill tiles with single-token leftovers) or many (token blocks
// of 60), and wherever the token sits among the call's rows. The engine batches sequences together and
// chunks prompts freely only because of this. The oracle is the same kernel run one token at a time.
using Meridian.Core.Backends;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests.Kernels;

public sealed class MatMulBatchInvarianceTests : IDisposable
{
    private readonly CpuDevice _device = new(threads: 3);
    private readonly IComputeStream _stream;

    public MatMulBatchInvarianceTests() => _stream = _device.CreateStream();

    public void Dispose()
    {
        _stream.Dispose();
        _device.Dispose();
    }

    [Theory]
    [InlineData(DType.F32, 96)]
    [InlineData(DType.F32, 101)]   // scalar tail after the 8-wide steps
    [InlineData(DType.F16, 320)]
    [InlineData(DType.BF16, 96)]
    [InlineData(DType.Q8_0, 320)]
    [InlineData(DType.Q4_0, 96)]   // a short last group (zero-padded)
    [InlineData(DType.Q4_0, 320)]  // a full group in registers, then the padded tail
    [InlineData(DType.Q4_K, 512)]
    [InlineData(DType.Q6_K, 256)]
    [InlineData(DType.Q5_K, 256)]
    [InlineData(DType.Q2_K, 256)]  // no kernel: rows decoded and dotted with TensorPrimitives
    [InlineData(DType.Q4_0, 320, true)] // packed by LoadWeights(MatMulOnly) (AVX2): a whole group, then a zero-padded one
    [InlineData(DType.Q8_0, 512, true)]
    [InlineData(DType.Q4_K, 512, true)]
    [InlineData(DType.Q6_K, 256, true)]
    public void MatMul_AnyTokenCount_RowsBitwiseEqualOneTokenCalls(DType type, int k, bool packed = false)
    {
        const int n = 37, total = 130; // odd rows: the one-row tail paths run too
        var rng = new Random(k + (int)type);
        float[] wf = Random(rng, n * k), x = Random(rng, total * k);
        // Pinned: LoadWeights uses the bytes in place (as it does a memory map), and a moved array would leave it reading garbage.
        var wq = GC.AllocateArray<byte>((int)type.ByteSize(n * k), pinned: true);
        if (QuantCodecs.CanQuantize(type))
            QuantCodecs.QuantizeReference(type, wf, wq);
        else
            rng.NextBytes(wq); // any bytes decode; the f16 scales may be huge or NaN, so only finite rows are compared
        var w = new DeviceTensor(_device.LoadWeights(TestTensors.Weight(wq, type, n, k), packed ? WeightUse.MatMulOnly : WeightUse.Any), 0, type, n, k);

        // One token at a time: the decode path.
        var single = new float[total * n];
        for (int t = 0; t < total; t++)
            MatMulRows(w, x, t, 1, k, n).CopyTo(single, t * n);

        foreach (var (start, count) in new[] { (0, 2), (1, 3), (5, 4), (7, 5), (3, 16), (11, 60), (9, 61), (0, total) })
        {
            float[] y = MatMulRows(w, x, start, count, k, n);
            for (int i = 0; i < count * n; i++)
            {
                float expected = single[start * n + i];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[i]) || (float.IsNaN(expected) && float.IsNaN(y[i])),
                    $"{type.Name()} k={k}: rows {start}..{start + count - 1}, token {start + i / n} row {i % n}: {y[i]} in the batch, {expected} alone");
            }
        }
    }

    // y = x[start..start+count) · wᵀ, x laid out from a fresh buffer (row alignment as the engine's workspace).
    private float[] MatMulRows(DeviceTensor w, float[] x, int start, int count, int k, int n)
    {
        var tx = DeviceTensor.F32(_device.Allocate((long)count * k * sizeof(float), BufferUsage.Scratch), count, k);
        _stream.Upload(x.AsSpan(start * k, count * k), tx);
        var ty = DeviceTensor.F32(_device.Allocate((long)count * n * sizeof(float), BufferUsage.Scratch), count, n);
        _stream.MatMul(w, tx, ty);
        var y = new float[count * n];
        _stream.Download(ty, y);
        return y;
    }

    private static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
            a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }
}
