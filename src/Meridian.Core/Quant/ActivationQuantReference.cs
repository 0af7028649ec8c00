// Scalar reference for the on-the-fly 8-bit quantization of activations that quantized matmul
// kernels dot against (the role of ggml's Q8_0 / Q8_1 / Q8_K "vec_dot_type", ggml-quants.c, MIT),
// and the reference dot product the fast kernels are tested against.
using Meridian.Core.Tensors;

namespace Meridian.Core.Quant;

/// <summary>
/// Symmetric int8 quantization of an f32 activation row in blocks, stored as separate arrays
/// (codes, scales, block sums) rather than ggml's interleaved structs, so SIMD kernels load them
/// directly. For each block: d = max|x| / 127, q = round-half-even(x · 127 / max|x|), x ≈ d · q.
/// </summary>
public static class ActivationQuantReference
{
    /// <summary>
    /// Quantizes x (length a multiple of <paramref name="blockSize"/>) into codes qs [n], scales
    /// d [n / blockSize] and partial sums of the codes over every <paramref name="sumSize"/> elements,
    /// sums [n / sumSize].
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> x, int blockSize, int sumSize, Span<sbyte> qs, Span<float> d, Span<int> sums)
    {
        if (blockSize <= 0 || sumSize <= 0 || blockSize % sumSize != 0 || x.Length % blockSize != 0
            || qs.Length != x.Length || d.Length != x.Length / blockSize || sums.Length != x.Length / sumSize)
            throw new ArgumentException("activation quantization: lengths are not whole blocks");
        for (int b = 0; b < d.Length; b++)
        {
            var xb = x.Slice(b * blockSize, blockSize);
            float amax = 0f;
            foreach (float v in xb)
                amax = MathF.Max(amax, MathF.Abs(v));
            float id = amax > 0f ? 127f / amax : 0f;
            d[b] = amax / 127f;
            for (int j = 0; j < blockSize; j++)
                qs[b * blockSize + j] = (sbyte)MathF.Round(xb[j] * id, MidpointRounding.ToEven);
        }
        for (int s = 0; s < sums.Length; s++)
        {
            int sum = 0;
            for (int j = 0; j < sumSize; j++)
                sum += qs[s * sumSize + j];
            sums[s] = sum;
        }
    }

    /// <summary>The activation values the codes stand for: x̂[i] = d[i / blockSize] · qs[i].</summary>
    public static void Dequantize(ReadOnlySpan<sbyte> qs, ReadOnlySpan<float> d, int blockSize, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
            dst[i] = d[i / blockSize] * qs[i];
    }

    /// <summary>
    /// The reference of every quantized matmul kernel: the weight row decoded exactly
    /// (<see cref="QuantCodecs.DequantizeReference"/>) dotted, in double, with the activation row
    /// as the kernel sees it (<paramref name="x"/>: f32 values, already dequantized from their codes
    /// where the kernel quantizes activations).
    /// </summary>
    public static float DotReference(DType type, ReadOnlySpan<byte> wRow, ReadOnlySpan<float> x)
    {
        var w = new float[x.Length];
        QuantCodecs.DequantizeReference(type, wRow, w);
        double sum = 0;
        for (int i = 0; i < w.Length; i++)
            sum += (double)w[i] * x[i];
        return (float)sum;
    }
}
