// A slow, readable transcription of the documented chain (dictionaries, LINQ sorts), used as the
// brute-force oracle for random option combinations.
using Meridian.Engine.Sampling;

namespace Meridian.Engine.Tests.Sampling;

internal static class SamplerReference
{
    /// <summary>Final probability of every id, zero for dropped ones.</summary>
    public static double[] Distribution(SamplingOptions o, float[] logits, int[] history)
    {
        float[] x = (float[])logits.Clone();
        foreach (var (id, bias) in o.LogitBias ?? new Dictionary<int, float>())
            x[id] += bias;

        var window = o.PenaltyLastN switch
        {
            0 => [],
            -1 => history,
            int n => history.Skip(Math.Max(0, history.Length - n)).ToArray(),
        };
        foreach (var group in window.GroupBy(t => t))
        {
            int id = group.Key, count = group.Count();
            x[id] = x[id] > 0 ? x[id] / o.RepetitionPenalty : x[id] * o.RepetitionPenalty;
            x[id] -= count * o.FrequencyPenalty + o.PresencePenalty;
        }

        var result = new double[x.Length];
        if (o.Temperature == 0)
        {
            result[Array.IndexOf(x, x.Max())] = 1;
            return result;
        }

        List<int> kept = Enumerable.Range(0, x.Length)
            .Where(i => !float.IsNegativeInfinity(x[i]))
            .OrderByDescending(i => x[i]).ThenBy(i => i).ToList();
        if (o.TopK > 0)
            kept = kept.Take(o.TopK).ToList();
        if (o.TopP < 1)
        {
            double[] p = SamplingTestHelpers.Softmax(kept.Select(i => (double)x[i]).ToArray());
            double cumulative = 0;
            int m = kept.Count;
            for (int j = 0; j < kept.Count; j++)
            {
                cumulative += p[j];
                if (cumulative >= o.TopP) { m = j + 1; break; }
            }
            kept = kept.Take(m).ToList();
        }
        if (o.MinP > 0)
        {
            double[] p = SamplingTestHelpers.Softmax(kept.Select(i => (double)x[i]).ToArray());
            kept = kept.Where((_, j) => p[j] >= o.MinP * p[0]).ToList();
        }
        double[] final = SamplingTestHelpers.Softmax(kept.Select(i => x[i] / (double)o.Temperature).ToArray());
        for (int j = 0; j < kept.Count; j++)
            result[kept[j]] = final[j];
        return result;
    }
}
