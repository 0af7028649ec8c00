// Reference grouped-query attention over one sequence's keys and values (run.c forward, "multihead
// attention"), with the variants of AttentionParams: score scale, sliding window (llama.cpp's standard
// SWA: a query at p sees j with p - W < j <= p), logit soft-capping (Gemma 2: c · tanh(s / c)), and per-head sinks
// (GPT-OSS: exp(sink) joins the softmax's denominator).
using Meridian.Core.Backends;

namespace Meridian.Core.Ops;

public static partial class ReferenceOps
{
    /// <summary>
    /// q: [T, H·Dh] for positions startPos..startPos+T-1; keys, values: [≥ startPos+T, Hkv·Dh]; dst: [T, H·Dh].
    /// Query t sees positions p.FirstVisible(startPos+t)..startPos+t; head h reads kv head h / (H / Hkv).
    /// </summary>
    public static void AttentionReference(ReadOnlySpan<float> q, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        int startPos, in AttentionParams p, Span<float> dst, ReadOnlySpan<float> sinks = default)
    {
        int dh = p.HeadDim, qWidth = p.NumHeads * dh, kvWidth = p.NumKvHeads * dh;
        int t = qWidth == 0 ? 0 : q.Length / qWidth;
        int group = p.NumHeads / p.NumKvHeads;
        var scores = new float[startPos + t];
        for (int i = 0; i < t; i++)
        {
            int pos = startPos + i, first = p.FirstVisible(pos);
            for (int h = 0; h < p.NumHeads; h++)
            {
                var qh = q.Slice(i * qWidth + h * dh, dh);
                int kvh = h / group;
                float max = float.NegativeInfinity;
                for (int j = first; j <= pos; j++)
                {
                    var kj = keys.Slice(j * kvWidth + kvh * dh, dh);
                    float s = 0f;
                    for (int c = 0; c < dh; c++)
                        s += qh[c] * kj[c];
                    s *= p.Scale;
                    if (p.Softcap > 0)
                        s = p.Softcap * MathF.Tanh(s / p.Softcap);
                    scores[j] = s;
                    max = MathF.Max(max, s);
                }
                // A sink (GPT-OSS) is one more logit in the softmax whose value is dropped: it only adds to the denominator.
                if (!sinks.IsEmpty)
                    max = MathF.Max(max, sinks[h]);
                float sum = sinks.IsEmpty ? 0f : MathF.Exp(sinks[h] - max);
                for (int j = first; j <= pos; j++)
                {
                    scores[j] = MathF.Exp(scores[j] - max);
                    sum += scores[j];
                }
                var oh = dst.Slice(i * qWidth + h * dh, dh);
                oh.Clear();
                for (int j = first; j <= pos; j++)
                {
                    var vj = values.Slice(j * kvWidth + kvh * dh, dh);
                    float a = scores[j] / sum;
                    for (int c = 0; c < dh; c++)
                        oh[c] += a * vj[c];
                }
            }
        }
    }
}
