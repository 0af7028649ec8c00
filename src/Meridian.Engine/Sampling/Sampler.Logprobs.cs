// Sampler, part 2: raw log-probabilities of the sampled token and the top-N alternatives
// (OpenAI logprobs / top_logprobs), as vLLM v1's default logprobs_mode="raw_logprobs".
namespace Meridian.Engine.Sampling;

public sealed partial class Sampler
{
    private readonly int[] _topIds;        // [TopLogprobs] most likely ids of the last call, best first
    private readonly float[] _topLogprobs; // [TopLogprobs] f32 their raw logprobs
    private int _topCount;

    /// <summary>Raw log-probability of the token returned by the last <see cref="Sample"/>, when
    /// <see cref="SamplingOptions.Logprobs"/> or <see cref="SamplingOptions.TopLogprobs"/> is set; otherwise NaN.</summary>
    public float SampledLogprob { get; private set; } = float.NaN;

    /// <summary>Ids of the <see cref="SamplingOptions.TopLogprobs"/> most likely tokens at the last call,
    /// most likely first, ties to the lower id. Valid until the next call.</summary>
    public ReadOnlySpan<int> TopLogprobIds => _topIds.AsSpan(0, _topCount);

    /// <summary>Raw log-probabilities matching <see cref="TopLogprobIds"/>.</summary>
    public ReadOnlySpan<float> TopLogprobValues => _topLogprobs.AsSpan(0, _topCount);

    // logprob_i = x_i - (max + ln Σ exp(x_j - max)) over the logits as the model produced them.
    // Assumes finite logits (a +inf makes every value NaN).
    private void ComputeLogprobs(ReadOnlySpan<float> logits, int token)
    {
        double logZ = LogNormalizer(logits);
        SampledLogprob = (float)(logits[token] - logZ);
        _topCount = TopLogits(logits, _topIds, _topLogprobs);
        for (int j = 0; j < _topCount; j++)
            _topLogprobs[j] = (float)(_topLogprobs[j] - logZ);
    }

    /// <summary>ln Σ exp(x): the log-softmax normaliser of a logits row, summed in f64 from the max.</summary>
    internal static double LogNormalizer(ReadOnlySpan<float> logits)
    {
        float max = float.NegativeInfinity;
        foreach (float x in logits)
            max = Math.Max(max, x);
        double sum = 0;
        foreach (float x in logits)
            sum += Math.Exp(x - (double)max);
        return max + Math.Log(sum);
    }

    /// <summary>
    /// The ids.Length largest logits, largest first, ties to the lower id, into ids / values; returns how many
    /// (fewer when the row is shorter). By insertion into a short sorted list: ids arrive ascending and only
    /// a strictly larger logit moves ahead.
    /// </summary>
    internal static int TopLogits(ReadOnlySpan<float> logits, Span<int> ids, Span<float> values)
    {
        int capacity = ids.Length;
        int count = 0;
        for (int i = 0; i < logits.Length && capacity > 0; i++)
        {
            float x = logits[i];
            if (count == capacity && !(x > values[count - 1]))
                continue;
            int slot = count < capacity ? count++ : count - 1;
            while (slot > 0 && x > values[slot - 1])
            {
                values[slot] = values[slot - 1];
                ids[slot] = ids[slot - 1];
                slot--;
            }
            values[slot] = x;
            ids[slot] = i;
        }
        return count;
    }
}
