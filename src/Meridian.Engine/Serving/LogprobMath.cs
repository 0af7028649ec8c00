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
        double logZ = Sampler.LogNormalizer(logits);
        Span<int> ids = stackalloc int[topN];
        Span<float> values = stackalloc float[topN];
        int count = Sampler.TopLogits(logits, ids, values);
        var top = new TopLogprob[count];
        for (int j = 0; j < count; j++)
            top[j] = new TopLogprob(ids[j], (float)(values[j] - logZ));
        return new TokenLogprob(token, (float)(logits[token] - logZ), top);
    }
}
