// Reference matmul over a weight in any decodable dtype (run.c matmul, with ggml block decoding).
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>y[t, n] = Σ_k x[t, k] · w[n, k]. w: [N, K] <paramref name="type"/> bytes; x: [T, K] f32; y: [T, N] f32.</summary>
    public static void MatMulReference(DType type, ReadOnlySpan<byte> w, int n, int k, ReadOnlySpan<float> x, Span<float> y)
    {
        int t = k == 0 ? y.Length / Math.Max(n, 1) : x.Length / k;
        long rowBytes = type.ByteSize(k);
        var row = new float[k];
        for (int j = 0; j < n; j++)
        {
            QuantCodecs.DequantizeReference(type, w.Slice((int)(j * rowBytes), (int)rowBytes), row);
            for (int i = 0; i < t; i++)
            {
                float sum = 0f;
                for (int c = 0; c < k; c++)
                    sum += x[i * k + c] * row[c];
                y[i * n + j] = sum;
            }
        }
    }

    /// <summary>dst[t] = table[ids[t]] decoded to f32. table: [V, D] <paramref name="type"/> bytes; dst: [T, D].</summary>
    public static void EmbeddingLookupReference(DType type, ReadOnlySpan<byte> table, int d, ReadOnlySpan<int> ids, Span<float> dst)
    {
        long rowBytes = type.ByteSize(d);
        for (int t = 0; t < ids.Length; t++)
            QuantCodecs.DequantizeReference(type, table.Slice((int)(ids[t] * rowBytes), (int)rowBytes), dst.Slice(t * d, d));
    }
}
