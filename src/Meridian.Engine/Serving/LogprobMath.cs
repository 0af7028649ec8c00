// Log-probabilities for outputs: the sampled token's (from the Sampler, computed on the raw logits)
// and prompt tokens' (log-softmax of a prefill row), with the top alternatives.
using Meridian.Engine.Sampling;

namespace Meridian.Engine.Serving;

internal static class LogprobMath
{
    /// <summary>What the sampler recorded for the token it just returned.</summary>
    public static TokenLogprob FromSampler(Sampler sampler, int token)
    {
        var ids = sampler.TopLogprobIds;
        var values = sampler.TopLogprobValues;
        var top = new TopLogprob[ids.Length];
        for (int i = 0; i < top.Length; i++)
            top[i] = new TopLogprob(ids[i], values[i]);
        return new TokenLogprob(token, sampler.SampledLogprob, top);
    }

    /// <summary>log_softmax(logits)[token] and the <paramref name="topN"/> most likely ids (ties: lower id first). logits: [V] f32.</summary>
    public static TokenLogprob Of(ReadOnlySpan<float> logits, int token, int topN)
    {
        float max = float.NegativeInfinity;
        foreach (float x in logits)
            max = Math.Max(max, x);
        double sum = 0;
        foreach (float x in logits)
            sum += Math.Exp(x - (double)max);
        double logZ = max + Math.Log(sum);
        var top = new List<TopLogprob>(topN);
        for (int i = 0; i < logits.Length && topN > 0; i++)
        {
            float x = logits[i];
            if (top.Count == topN && !(x > top[^1].Logprob))
                continue;
            int slot = top.Count;
            while (slot > 0 && x > top[slot - 1].Logprob)
                slot--;
            top.Insert(slot, new TopLogprob(i, x));
            if (top.Count > topN)
                top.RemoveAt(top.Count - 1);
        }
        for (int j = 0; j < top.Count; j++)
            top[j] = top[j] with { Logprob = (float)(top[j].Logprob - logZ) };
        return new TokenLogprob(token, (float)(logits[token] - logZ), top);
    }
}
