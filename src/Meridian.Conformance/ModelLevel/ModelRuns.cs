// Greedy decoding of one model on one device, recording every step's logits: alone (SequenceState, a batch
// of one) and as one of eight sequences in the same engine steps (ForwardBatch with ragged prompts and
// shuffled block tables), the two paths the model level compares.
using Meridian.Conformance.Inputs;
using Meridian.Core.Ops;
using Meridian.Models;

namespace Meridian.Conformance.ModelLevel;

/// <summary>The tokens chosen at each step and the logits [V] they were chosen from.</summary>
internal sealed record GreedyTrace(int[] Tokens, float[][] Logits);

internal static class ModelRuns
{
    private const int BlockSize = 16;

    /// <summary>
    /// Feeds <paramref name="prompt"/>, then <paramref name="steps"/> − 1 tokens: its own greedy choices, or
    /// <paramref name="forced"/>[i − 1] at step i when given (teacher forcing: the reference's choices, so a near
    /// tie the two devices break differently does not end the comparison). Step i's logits choose token i.
    /// </summary>
    public static GreedyTrace Alone(ILanguageModel model, int[] prompt, int steps, int[]? forced = null)
    {
        int v = model.VocabSize;
        using var sequence = new SequenceState(model, prompt.Length + steps, maxBatch: Math.Max(16, prompt.Length));
        var tokens = new int[steps];
        var logits = new float[steps][];
        for (int i = 0; i < steps; i++)
        {
            logits[i] = new float[v];
            if (i == 0)
                sequence.Forward(prompt, 0, logits[i]);
            else
                sequence.Forward([forced?[i - 1] ?? tokens[i - 1]], prompt.Length + i - 1, logits[i]);
            tokens[i] = ArgMax(logits[i]);
        }
        return new GreedyTrace(tokens, logits);
    }

    /// <summary>
    /// The same as <see cref="Alone"/> for <paramref name="prompt"/> (and <paramref name="forced"/>), run as
    /// sequence 3 of 8 in every step: the others have prompts of 1 to 13 random tokens and their own greedy
    /// choices, all prefill in step 0 and decode together after, and each sequence's blocks are a shuffled share
    /// of the cache.
    /// </summary>
    public static GreedyTrace InBatch(ILanguageModel model, int[] prompt, int steps, int seed, int[]? forced = null)
    {
        const int batch = 8, target = 3;
        int v = model.VocabSize;
        var rng = new Random(seed);
        var prompts = new int[batch][];
        for (int s = 0; s < batch; s++)
            prompts[s] = s == target ? prompt : [1, .. InputData.Indexes(rng, 5 * s % 13, v)];
        var blocks = prompts.Select(p => (p.Length + steps + BlockSize - 1) / BlockSize).ToArray();
        var order = InputData.Permutation(rng, blocks.Sum());
        var tables = new int[batch][];
        for (int s = 0, at = 0; s < batch; at += blocks[s], s++)
            tables[s] = order[at..(at + blocks[s])];
        int maxTokens = prompts.Sum(p => p.Length);

        using var state = model.CreateBatchState(order.Length, BlockSize, maxTokens);
        var input = new BatchInput(maxTokens, batch, blocks.Max(), BlockSize);
        var rows = new float[batch * v];
        var next = new int[batch];
        var tokens = new int[steps];
        var logits = new float[steps][];
        for (int i = 0; i < steps; i++)
        {
            input.Clear();
            for (int s = 0; s < batch; s++)
            {
                if (i == 0)
                    input.AddSequence(prompts[s], 0, tables[s], LogitSelection.Last);
                else
                    input.AddSequence([s == target && forced != null ? forced[i - 1] : next[s]], prompts[s].Length + i - 1, tables[s], LogitSelection.Last);
            }
            model.ForwardBatch(state, input, rows);
            for (int s = 0; s < batch; s++)
                next[s] = ArgMax(rows.AsSpan(s * v, v));
            logits[i] = rows.AsSpan(target * v, v).ToArray();
            tokens[i] = next[target];
        }
        return new GreedyTrace(tokens, logits);
    }

    /// <summary>The index of the largest value, the lowest on ties (what greedy sampling picks): Core's ArgMax oracle.</summary>
    public static int ArgMax(ReadOnlySpan<float> x)
    {
        Span<int> best = stackalloc int[1];
        ReferenceOps.ArgMaxReference(x, x.Length, best);
        return best[0];
    }
}
