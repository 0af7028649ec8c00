// Reference causal grouped-query attention over a KV cache (run.c forward, "multihead attention").
namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>
    /// q: [T, H·Dh] for positions startPos..startPos+T-1; keys, values: [≥ startPos+T, Hkv·Dh];
    /// dst: [T, H·Dh]. Query t sees positions 0..startPos+t; head h reads kv head h / (H / Hkv).
    /// </summary>
    public static void AttentionReference(ReadOnlySpan<float> q, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        int startPos, int numHeads, int numKvHeads, int headDim, Span<float> dst)
    {
        int dh = headDim, qWidth = numHeads * dh, kvWidth = numKvHeads * dh;
        int t = qWidth == 0 ? 0 : q.Length / qWidth;
        int group = numHeads / numKvHeads;
        float scale = 1f / MathF.Sqrt(dh);
        var scores = new float[startPos + t];
        for (int i = 0; i < t; i++)
        {
            int visible = startPos + i + 1;
            for (int h = 0; h < numHeads; h++)
            {
                var qh = q.Slice(i * qWidth + h * dh, dh);
                int kvh = h / group;
                float max = float.NegativeInfinity;
                for (int p = 0; p < visible; p++)
                {
                    var kp = keys.Slice(p * kvWidth + kvh * dh, dh);
                    float s = 0f;
                    for (int c = 0; c < dh; c++)
                        s += qh[c] * kp[c];
                    scores[p] = s * scale;
                    max = MathF.Max(max, scores[p]);
                }
                float sum = 0f;
                for (int p = 0; p < visible; p++)
                {
                    scores[p] = MathF.Exp(scores[p] - max);
                    sum += scores[p];
                }
                var oh = dst.Slice(i * qWidth + h * dh, dh);
                oh.Clear();
                for (int p = 0; p < visible; p++)
                {
                    var vp = values.Slice(p * kvWidth + kvh * dh, dh);
                    float a = scores[p] / sum;
                    for (int c = 0; c < dh; c++)
                        oh[c] += a * vp[c];
                }
            }
        }
    }
}
