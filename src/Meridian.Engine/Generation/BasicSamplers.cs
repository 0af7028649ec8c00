// Minimal samplers for `meridian run` until the full chain lands: greedy (argmax, ties to the lowest
// id as llama.cpp's greedy sampler and run.c) and softmax sampling at a temperature with a seed.
namespace Meridian.Engine.Generation;

/// <summary>Greedy and temperature samplers.</summary>
public static class BasicSamplers
{
    /// <summary>The id of the largest logit; the lowest id among equals.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best])
                best = i;
        return best;
    }

    /// <summary>Greedy when <paramref name="temperature"/> is 0, else sampling from softmax(logits / T) with a seeded generator.</summary>
    public static TokenSampler Create(float temperature, ulong seed)
    {
        if (temperature <= 0f)
            return (logits, _) => ArgMax(logits);
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        float[] probs = [];
        return (logits, _) =>
        {
            if (probs.Length < logits.Length)
                probs = new float[logits.Length];
            float max = logits[ArgMax(logits)];
            double sum = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                probs[i] = MathF.Exp((logits[i] - max) / temperature);
                sum += probs[i];
            }
            double r = random.NextDouble() * sum, acc = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                acc += probs[i];
                if (r < acc)
                    return i;
            }
            return logits.Length - 1;
        };
    }
}
