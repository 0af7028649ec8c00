// The block kernels (GroupKernel + each type's decoder) and the activation quantizer against the Core
// references: every block count 0..257, misaligned weights and activations, decode (T = 1) and
// prefill (T = 6: one 4-token tile plus two single tokens) paths. The ISA path under test is the
// one this process detected; .ci/run repeats this class with AVX-VNNI and with AVX2 switched off.
using System.Runtime.InteropServices;
using Meridian.Backends.Cpu.Kernels;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests.Kernels;

public sealed unsafe class QuantMatMulKernelTests
{
    // Kernel and reference sum in different orders (and the reference in double); relative to Σ|w·x̂|.
    private const double RelativeTolerance = 1e-5;

    public static TheoryData<DType> KernelTypes => new()
    {
        DType.Q4_0, DType.Q4_1, DType.Q5_0, DType.Q5_1, DType.Q8_0, DType.IQ4_NL, DType.Q4_K, DType.Q5_K, DType.Q6_K,
    };

    [Fact]
    public void QuantizeRow_AllLengths_MatchReference()
    {
        for (int nb = 0; nb <= 257; nb++)
        {
            int k = nb * 32;
            float[] x = Random(k, nb, scale: nb % 3 == 0 ? 100f : 1f);
            if (nb % 5 == 1 && k > 0)
                Array.Clear(x, 0, 32); // an all-zero block: scale 0
            var qs = new sbyte[k];
            var d = new float[nb];
            var sums = new int[nb];
            var sums16 = new int[2 * nb];
            ActivationQuantReference.Quantize(x, 32, 32, qs, d, sums);
            ActivationQuantReference.Quantize(x, 32, 16, qs, d, sums16);

            using var acts = new QuantizedActivations();
            using var buffer = new NativeBuffer(k * 4 + 4);
            float* px = (float*)(buffer.Pointer + 4); // misaligned by one float
            x.CopyTo(new Span<float>(px, k));
            acts.Prepare(ActFormat.Q8, px, 1, k);
            acts.Run(0, 1, 0);
            for (int i = 0; i < k; i++)
            {
                int b = i / 32, g = b / 8, l = b % 8, j = i % 32 / 4, c = i % 4;
                Assert.True(qs[i] == acts.Qs[g * 256 + j * 32 + l * 4 + c], $"nb={nb} code {i}");
            }
            for (int b = 0; b < acts.Blocks; b++)
            {
                bool real = b < nb;
                Assert.Equal(real ? d[b] : 0f, acts.D[b]);
                Assert.Equal(real ? sums[b] : 0, acts.Sums[b]);
                Assert.Equal(real ? sums16[2 * b] : 0, acts.Sums16[b / 8 * 16 + b % 8]);
                Assert.Equal(real ? sums16[2 * b + 1] : 0, acts.Sums16[b / 8 * 16 + 8 + b % 8]);
                Assert.Equal(real ? d[b] * sums[b] : 0f, acts.DS[b]);
            }
            for (int i = k; i < acts.PaddedK; i++)
                Assert.Equal(0, acts.Qs[i / 256 * 256 + i % 32 / 4 * 32 + i % 256 / 32 * 4 + i % 4]);
        }
    }

    [Theory]
    [MemberData(nameof(KernelTypes))]
    public void Run_AllBlockCounts_MatchReference(DType type)
    {
        const int n = 5; // four-row decode pass + one; two-row prefill pairs + one
        int unit = type.Info().BlockSize;
        foreach (int t in new[] { 1, 6 })
        {
            for (int nb = 1; nb <= MaxBlocks(type); nb++)
                CheckAgainstReference(type, n, nb * unit, t, seed: nb * 10 + t);
        }
    }

    [Theory]
    [MemberData(nameof(KernelTypes))]
    public void DotScalar_AllBlockCounts_MatchReference(DType type)
    {
        for (int nb = 1; nb <= MaxBlocks(type); nb += 7)
            CheckAgainstReference(type, 2, nb * type.Info().BlockSize, 2, seed: nb, scalar: true);
    }

    [SkippableTheory]
    [InlineData(DType.Q4_0)]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void RunPacked_AllBlockCounts_MatchReference(DType type)
    {
        int unit = type.Info().BlockSize;
        Skip.IfNot(WeightPacking.Packs(type, unit), "weights are packed only on CPUs with AVX2");
        foreach (int t in new[] { 1, 3, 6 })
        {
            for (int nb = 1; nb <= MaxBlocks(type); nb++)
                CheckAgainstReference(type, 5, nb * unit, t, seed: nb * 10 + t, packed: true);
        }
    }

    // Blocks of 32: every count to 257 (every tail of 0..7 blocks after 0..32 whole groups). K-quant
    // super-blocks are whole groups with no tail, so 1..257 of them adds no case to 1..40 and would
    // spend minutes in the reference quantizer.
    private static int MaxBlocks(DType type) => type.Info().BlockSize == 32 ? 257 : 40;

    private static void CheckAgainstReference(DType type, int n, int k, int t, int seed, bool scalar = false, bool packed = false)
    {
        var wq = new byte[type.ByteSize(n * k)];
        if (QuantCodecs.CanQuantize(type))
            QuantCodecs.QuantizeReference(type, Random(n * k, seed, scale: 0.5f), wq);
        else
            RandomBlocks(type, wq, seed);
        float[] x = Random(t * k, seed + 1, scale: 2f);
        long rowBytes = type.ByteSize(k);

        using var wBuf = new NativeBuffer(wq.Length + 1);
        byte* pw = wBuf.Pointer + 1; // rows start at odd addresses
        wq.CopyTo(new Span<byte>(pw, wq.Length));
        using var xBuf = new NativeBuffer(x.Length * 4 + 4);
        float* px = (float*)(xBuf.Pointer + 4);
        x.CopyTo(new Span<float>(px, x.Length));
        var y = new float[t * n];
        using var acts = new QuantizedActivations();
        acts.Prepare(ActFormat.Q8, px, t, k);
        acts.Run(0, t, 0);
        using var scratch = new NativeBuffer((int)MatMulKernels.ScratchBytes(k) + 64);
        byte* aligned = (byte*)(((nint)scratch.Pointer + 63) & ~(nint)63);
        fixed (float* py = y)
        {
            if (scalar)
                RunScalar(type, pw, rowBytes, n, k, acts, t, py, aligned);
            else if (packed)
            {
                long packedRow = WeightPacking.RowBytes(type, k);
                using var packedBuf = new NativeBuffer((int)(n * packedRow));
                WeightPacking.PackRows(type, pw, k, 0, n, packedBuf.Pointer);
                Assert.True(MatMulKernels.RunPacked(type, packedBuf.Pointer, packedRow, 0, n, acts, 0, t, py, n, aligned));
            }
            else
                Assert.True(MatMulKernels.Run(type, pw, rowBytes, 0, n, acts, 0, t, py, n, aligned));
        }

        var w = new float[k];
        var xq = new float[k];
        var qs = new sbyte[k];
        var d = new float[k / 32];
        var sums = new int[k / 32];
        for (int ti = 0; ti < t; ti++)
        {
            ActivationQuantReference.Quantize(x.AsSpan(ti * k, k), 32, 32, qs, d, sums);
            ActivationQuantReference.Dequantize(qs, d, 32, xq);
            for (int r = 0; r < n; r++)
            {
                var row = wq.AsSpan((int)(r * rowBytes), (int)rowBytes);
                float expected = ActivationQuantReference.DotReference(type, row, xq);
                QuantCodecs.DequantizeReference(type, row, w);
                double magnitude = 0;
                for (int i = 0; i < k; i++)
                    magnitude += Math.Abs((double)w[i] * xq[i]);
                double error = Math.Abs(y[ti * n + r] - expected);
                Assert.True(error <= RelativeTolerance * magnitude + 1e-6,
                    $"{type.Name()} k={k} t={ti} r={r}{(scalar ? " scalar" : "")}{(packed ? " packed" : "")}: got {y[ti * n + r]}, reference {expected} (|w·x| {magnitude:G3})");
            }
        }
    }

    private static void RunScalar(DType type, byte* w, long rowBytes, int n, int k, QuantizedActivations acts, int t, float* y, byte* dec)
    {
        int groups = acts.PaddedK / 256;
        for (int ti = 0; ti < t; ti++)
        {
            for (int r = 0; r < n; r++)
            {
                y[ti * n + r] = type switch
                {
                    DType.Q4_0 => GroupKernel<Q4_0Decoder>.DotScalar(w + r * rowBytes, k, groups, acts, ti, dec),
                    DType.Q4_1 => GroupKernel<Q4_1Decoder>.DotScalar(w + r * rowBytes, k, groups, acts, ti, dec),
                    DType.Q5_0 => GroupKernel<Q5_0Decoder>.DotScalar(w + r * rowBytes, k, groups, acts, ti, dec),
                    DType.Q5_1 => GroupKernel<Q5_1Decoder>.DotScalar(w + r * rowBytes, k, groups, acts, ti, dec),
                    DType.Q8_0 => GroupKernel<Q8_0Decoder>.DotScalar(w + r * rowBytes, k, groups, acts, ti, dec),
                    DType.IQ4_NL => GroupKernel<IQ4_NLDecoder>.DotScalar(w + r * rowBytes, k, groups, acts, ti, dec),
                    DType.Q4_K => GroupKernel<Q4_KDecoder>.DotScalar(w + r * rowBytes, k, groups, acts, ti, dec),
                    DType.Q5_K => GroupKernel<Q5_KDecoder>.DotScalar(w + r * rowBytes, k, groups, acts, ti, dec),
                    DType.Q6_K => GroupKernel<Q6_KDecoder>.DotScalar(w + r * rowBytes, k, groups, acts, ti, dec),
                    _ => throw new ArgumentException(type.Name()),
                };
            }
        }
    }

    // Types without a reference encoder (IQ4_NL): random indices under a random f16 scale in
    // [-0.004, 0.004] at the start of each 18-byte block, so weights stay within ±0.5.
    private static void RandomBlocks(DType type, byte[] wq, int seed)
    {
        if (type != DType.IQ4_NL)
            throw new ArgumentException(type.Name());
        var rng = new Random(seed);
        rng.NextBytes(wq);
        for (int b = 0; b < wq.Length; b += 18)
            BitConverter.TryWriteBytes(wq.AsSpan(b, 2), (Half)((rng.NextDouble() * 2 - 1) * 0.004));
    }

    private static float[] Random(int n, int seed, float scale)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++)
            v[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return v;
    }

    private sealed class NativeBuffer(int bytes) : IDisposable
    {
        public byte* Pointer { get; } = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);

        public void Dispose() => NativeMemory.AlignedFree(Pointer);
    }
}
