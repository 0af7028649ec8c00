// FloatKernel (f32, f16, bf16 weights · f32 activations) against the Core reference dot over the
// exact decoders: every length 0..257, misaligned rows and activations, 1, 5 and 7 tokens (3- and
// 4-token tiles with single tokens after them). Runs only where the kernel serves the type (AVX2 +
// FMA); elsewhere the row-decode fallback is covered by CpuStreamTests.
using System.Runtime.InteropServices;
using Meridian.Backends.Cpu.Kernels;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests.Kernels;

public sealed unsafe class FloatMatMulKernelTests
{
    // Relative to Σ|w·x|: the kernel sums in f32 over 4-8 lanes, the reference in double.
    private const double RelativeTolerance = 1e-5;

    [SkippableTheory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void Run_AllLengths_MatchReference(DType type)
    {
        Skip.IfNot(FloatKernel.Supports(type), $"no AVX2+FMA here: {type.Name()} rows take the decode fallback, which CpuStreamTests covers");
        const int n = 3;
        foreach (int t in new[] { 1, 5, 7 })
        {
            for (int k = 0; k <= 257; k++)
            {
                var rng = new Random(k * 10 + t);
                float[] wf = Enumerable.Range(0, n * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                float[] x = Enumerable.Range(0, t * k).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
                var wq = new byte[type.ByteSize(n * k)];
                QuantCodecs.QuantizeReference(type, wf, wq);
                long rowBytes = type.ByteSize(k);
                byte* wBuf = (byte*)NativeMemory.AlignedAlloc((nuint)wq.Length + 2, 64);
                byte* xBuf = (byte*)NativeMemory.AlignedAlloc((nuint)x.Length * 4 + 4, 64);
                try
                {
                    byte* pw = wBuf + 2; // rows off the vector alignment (f16 rows stay 2-byte aligned)
                    wq.CopyTo(new Span<byte>(pw, wq.Length));
                    float* px = (float*)(xBuf + 4);
                    x.CopyTo(new Span<float>(px, x.Length));
                    var y = new float[t * n];
                    fixed (float* py = y)
                        FloatKernel.Run(type, pw, rowBytes, 0, n, px, k, 0, t, py, n);
                    var w = new float[k];
                    for (int ti = 0; ti < t; ti++)
                    {
                        for (int r = 0; r < n; r++)
                        {
                            var row = wq.AsSpan((int)(r * rowBytes), (int)rowBytes);
                            var xs = x.AsSpan(ti * k, k);
                            float expected = ActivationQuantReference.DotReference(type, row, xs);
                            QuantCodecs.DequantizeReference(type, row, w);
                            double magnitude = 0;
                            for (int i = 0; i < k; i++)
                                magnitude += Math.Abs((double)w[i] * xs[i]);
                            Assert.True(Math.Abs(y[ti * n + r] - expected) <= RelativeTolerance * magnitude + 1e-6,
                                $"{type.Name()} k={k} t={ti} r={r}: got {y[ti * n + r]}, reference {expected}");
                        }
                    }
                }
                finally
                {
                    NativeMemory.AlignedFree(wBuf);
                    NativeMemory.AlignedFree(xBuf);
                }
            }
        }
    }
}
