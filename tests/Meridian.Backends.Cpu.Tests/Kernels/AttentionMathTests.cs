// AttentionMath's grouped forms against its single forms, bit for bit (the paged attention's batch invariance
// rests on it: decode and prefill group positions and heads differently), and Dot against an in-order scalar
// dot within a sum-order tolerance.
namespace Meridian.Backends.Cpu.Tests.Kernels;

public sealed unsafe class AttentionMathTests
{
    // Dot sums in SIMD lanes, the oracle in order: relative to the sum of |q_c·k_c|.
    private const float DotTolerance = 1e-5f;

    [Fact]
    public void Dot4x2AndDot4_AllHeadDims_BitwiseDot()
    {
        var rng = new Random(7);
        for (int dh = 0; dh <= 257; dh++)
        {
            int stride = dh + 3; // key rows apart, not a multiple of the vector width
            float[] q = Random(rng, 2 * dh + 1), k = Random(rng, 4 * stride + 1);
            var s = new float[12];
            fixed (float* qp = q, kp = k, sp = s)
            {
                float* q0 = qp + 1, q1 = qp + 1 + dh, k0 = kp + 1; // misaligned starts
                AttentionMath.Dot4x2(q0, q1, k0, stride, dh, 0.375f, sp, sp + 4);
                AttentionMath.Dot4(q0, k0, stride, dh, 0.375f, sp + 8);
                for (int j = 0; j < 4; j++)
                {
                    float expected = AttentionMath.Dot(q0, k0 + j * stride, dh) * 0.375f;
                    Assert.Equal(expected, s[j]);
                    Assert.Equal(expected, s[8 + j]);
                    Assert.Equal(AttentionMath.Dot(q1, k0 + j * stride, dh) * 0.375f, s[4 + j]);

                    double sum = 0, magnitude = 0;
                    for (int c = 0; c < dh; c++)
                    {
                        sum += (double)q0[c] * k0[j * stride + c];
                        magnitude += Math.Abs((double)q0[c] * k0[j * stride + c]);
                    }
                    Assert.True(Math.Abs(AttentionMath.Dot(q0, k0 + j * stride, dh) - sum) <= DotTolerance * Math.Max(1, magnitude), $"dh={dh}");
                }
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(16)]
    public void AxpyRun2_AllHeadDims_BitwiseAxpy1(int count)
    {
        var rng = new Random(count);
        for (int dh = 0; dh <= 257; dh++)
        {
            int stride = dh + 5;
            float[] w = Random(rng, 2 * count + 1), v = Random(rng, count * stride + 1);
            float[] o = Random(rng, 2 * dh + 1), expected = (float[])o.Clone();
            fixed (float* wp = w, vp = v, op = o, ep = expected)
            {
                AttentionMath.AxpyRun2(wp + 1, wp + 1 + count, vp + 1, stride, count, dh, op + 1, op + 1 + dh);
                for (int j = 0; j < count; j++)
                {
                    AttentionMath.Axpy1(wp[1 + j], vp + 1 + j * stride, dh, ep + 1);
                    AttentionMath.Axpy1(wp[1 + count + j], vp + 1 + j * stride, dh, ep + 1 + dh);
                }
            }
            Assert.Equal(expected, o);
        }
    }

    private static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
            a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }
}
