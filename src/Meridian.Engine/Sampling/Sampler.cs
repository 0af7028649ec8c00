// The per-request sampler chain: logit bias → penalties → (greedy) → top-k → top-p → min-p →
// temperature → softmax → seeded draw, in the order of llama.cpp's default chain
// (common/sampling.cpp, src/llama-sampling.cpp, https://github.com/ggml-org/llama.cpp, MIT).
namespace Meridian.Engine.Sampling;

/// <summary>
/// Picks the next token from a row of logits. One per request: it owns the request's RNG and a
/// scratch sized to the vocabulary, so <see cref="Sample"/> allocates nothing.
/// </summary>
/// <remarks>
/// Steps, in order (each is skipped when its knob is "off"):
/// <list type="number">
/// <item>Logit bias: <c>logit[id] += bias</c>; -infinity bans the token.</item>
/// <item>Penalties over the last <see cref="SamplingOptions.PenaltyLastN"/> history tokens, for each
/// distinct token with count c &gt; 0: repetition (llama.cpp/CTRL: divide if logit &gt; 0, else
/// multiply), then <c>logit -= c × frequency + presence</c> (OpenAI). Exactly llama.cpp's
/// <c>llama_sampler_penalties_apply</c>.</item>
/// <item>Temperature 0: argmax, ties to the lowest id. Nothing below runs and the RNG is not used.</item>
/// <item>Top-k on logits; ties at the cut keep the lower id (llama.cpp leaves this unspecified).</item>
/// <item>Top-p: softmax over what is left, keep the shortest most-likely-first prefix whose
/// probability sums to ≥ p (the token that crosses p is kept), as llama.cpp.</item>
/// <item>Min-p: keep tokens with <c>p ≥ min_p × p_max</c>, i.e. <c>logit ≥ max_logit + ln(min_p)</c>, as llama.cpp.</item>
/// <item>Temperature, softmax, and one draw from <see cref="Xoshiro256StarStar"/> seeded with
/// <see cref="Seed"/>: a uniform u in [0, 1) picks the first token whose cumulative probability
/// exceeds u, with candidates ordered by descending logit (ties: lower id) when any truncation ran
/// and by id otherwise.</item>
/// </list>
/// Differences from llama.cpp: no min_keep, DRY, typical-p, XTC, top-n-sigma or mirostat; sums are
/// in f64 (llama.cpp: f32); our RNG is not std::mt19937, so equal seeds do not give llama.cpp's
/// tokens. Top-p and min-p see temperature-1 probabilities because temperature comes after them
/// (llama.cpp's default order). vLLM instead applies temperature first, then min-p, then top-k/top-p,
/// so with T ≠ 1 the kept sets differ; OpenAI does not document its order.
/// Penalties count whatever <c>history</c> the caller passes: vLLM applies the repetition penalty to
/// prompt + output but frequency/presence to output only, OpenAI counts output only; the engine
/// decides by what it passes.
/// Logprobs (<see cref="SamplingOptions.Logprobs"/>) are the raw model log-probabilities,
/// log_softmax of the logits exactly as passed in, before bias, penalties, truncation and
/// temperature: vLLM v1's default <c>logprobs_mode="raw_logprobs"</c>.
/// Cost: without top-k, top-p and min-p sort only the head of the distribution that can survive
/// (<c>KeepHead</c>); top-k sorts every candidate, O(V log V) per token.
/// </remarks>
public sealed partial class Sampler
{
    private readonly SamplingOptions _options;
    private readonly int _vocabSize;
    private readonly int[] _biasIds;      // [nBias] token ids of LogitBias, ascending
    private readonly float[] _biasValues; // [nBias] f32 matching biases
    private Xoshiro256StarStar _rng;

    // Scratch, reused by every call. V = vocabulary size.
    private readonly float[] _work;    // [V] f32 logits after bias and penalties
    private readonly int[] _counts;    // [V] occurrences in the penalty window; all zero between calls
    private readonly ulong[] _keys;    // [V] sort keys: descending logit in the high half, id in the low
    private readonly int[] _ids;       // [V] candidate ids; [0, _count) is the final support
    private readonly double[] _probs;  // [V] f64 final probability of _ids[j]; [0, _count) sums to 1
    private int _count;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the field when <paramref name="options"/> cannot sample a
    /// vocabulary of <paramref name="vocabSize"/> tokens (what the constructor checks, without its scratch).
    /// </summary>
    public static void Validate(SamplingOptions options, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);
        options.Validate();
        foreach (int id in options.LogitBias?.Keys ?? Enumerable.Empty<int>())
        {
            if (id >= vocabSize)
                throw new ArgumentException(
                    $"SamplingOptions.LogitBias token id {id} is outside the vocabulary of {vocabSize} tokens",
                    nameof(SamplingOptions.LogitBias));
        }
    }

    /// <summary>Creates a sampler for one request over a vocabulary of <paramref name="vocabSize"/> tokens.</summary>
    /// <exception cref="ArgumentException">An option is out of range, or a LogitBias id is ≥ vocabSize.</exception>
    public Sampler(SamplingOptions options, int vocabSize)
    {
        Validate(options, vocabSize);
        _options = options;
        _vocabSize = vocabSize;

        // Copied to arrays so the hot path does not enumerate an interface (which would allocate).
        var bias = options.LogitBias ?? new Dictionary<int, float>();
        _biasIds = new int[bias.Count];
        _biasValues = new float[bias.Count];
        int b = 0;
        foreach (var (id, value) in bias.OrderBy(kv => kv.Key))
        {
            _biasIds[b] = id;
            _biasValues[b] = value;
            b++;
        }

        Seed = options.Seed ?? (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        _rng = new Xoshiro256StarStar(Seed);

        _work = new float[vocabSize];
        _counts = new int[vocabSize];
        _keys = new ulong[vocabSize];
        _ids = new int[vocabSize];
        _probs = new double[vocabSize];

        int topN = options.TopLogprobs;
        _topIds = new int[topN];
        _topLogprobs = new float[topN];
    }

    /// <summary>The options this sampler was built with.</summary>
    public SamplingOptions Options => _options;

    /// <summary>The RNG seed in use: <see cref="SamplingOptions.Seed"/>, or the random one drawn when it was null.</summary>
    public ulong Seed { get; }

    /// <summary>Vocabulary size the logits rows must have.</summary>
    public int VocabSize => _vocabSize;

    /// <summary>
    /// Applies the chain to <paramref name="logits"/> ([V] f32, not modified) and returns the chosen id.
    /// <paramref name="history"/> holds the tokens the penalties count, oldest first.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong logits length, or a history id outside the vocabulary.</exception>
    /// <exception cref="InvalidOperationException">Every token is banned (-infinity or NaN).</exception>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        int token = _options.IsGreedy ? Greedy(logits, history) : Draw(logits, history);
        if (_options.Logprobs || _options.TopLogprobs > 0)
            ComputeLogprobs(logits, token);
        return token;
    }

    private int Greedy(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        ApplyBiasAndPenalties(logits, history);
        // Strict > keeps the first (lowest) id among equal maxima and never picks NaN or -inf.
        int best = -1;
        float bestLogit = float.NegativeInfinity;
        for (int i = 0; i < _work.Length; i++)
        {
            if (_work[i] > bestLogit)
            {
                bestLogit = _work[i];
                best = i;
            }
        }
        if (best < 0)
            ThrowAllBanned();
        _ids[0] = best;
        _probs[0] = 1.0;
        _count = 1;
        return best;
    }

    private int Draw(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        BuildDistribution(logits, history);
        double u = _rng.NextDouble();
        double cumulative = 0;
        for (int j = 0; j < _count - 1; j++)
        {
            cumulative += _probs[j];
            if (u < cumulative)
                return _ids[j];
        }
        // u landed in the last slot, or past a cumulative sum a rounding error short of 1.
        return _ids[_count - 1];
    }

    // Fills _ids / _probs [0, _count) with the final distribution for a non-greedy draw.
    private void BuildDistribution(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        ApplyBiasAndPenalties(logits, history);

        // Candidates: every id whose logit is above -inf (a NaN fails the test too and is dropped).
        int n = 0;
        for (int i = 0; i < _work.Length; i++)
        {
            if (_work[i] > float.NegativeInfinity)
                _ids[n++] = i;
        }
        if (n == 0)
            ThrowAllBanned();

        int topK = _options.TopK;
        float topP = _options.TopP;
        float minP = _options.MinP;
        bool topKCuts = topK > 0 && topK < n;
        bool truncate = topKCuts || topP < 1f || minP > 0f;
        double topPTotal = 0;
        if (truncate && !topKCuts)
        {
            // Without top-k, only the head of the distribution can survive: sort just that head.
            n = KeepHead(n, topP, minP, out topPTotal);
            SortCandidatesDescending(n);
        }
        else if (truncate)
            SortCandidatesDescending(n);

        if (topKCuts)
            n = topK;

        if (topP < 1f && topKCuts)
        {
            // Softmax at temperature 1 over the survivors; _ids[0] holds the largest logit.
            float max = _work[_ids[0]];
            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                _probs[j] = Math.Exp(_work[_ids[j]] - max);
                sum += _probs[j];
            }
            double cumulative = 0;
            for (int j = 0; j < n; j++)
            {
                cumulative += _probs[j] / sum;
                if (cumulative >= topP)
                {
                    n = j + 1;
                    break;
                }
            }
        }

        else if (topP < 1f)
        {
            // KeepHead left the candidates that can be in the nucleus, sorted, their unnormalised
            // probabilities in _probs by id, and the normaliser over every candidate in topPTotal.
            double cumulative = 0;
            for (int j = 0; j < n; j++)
            {
                cumulative += _probs[_ids[j]] / topPTotal;
                if (cumulative >= topP)
                {
                    n = j + 1;
                    break;
                }
            }
        }

        if (minP > 0f)
        {
            // p_j ≥ minP × p_max  ⇔  logit_j ≥ max_logit + ln(minP); the survivors are sorted, so cut at the first miss.
            double threshold = _work[_ids[0]] + Math.Log(minP);
            for (int j = 1; j < n; j++)
            {
                if (_work[_ids[j]] < threshold)
                {
                    n = j;
                    break;
                }
            }
        }

        // Temperature and softmax: exp((x - max) / T) is softmax(x / T) up to the normaliser.
        float maxLogit = float.NegativeInfinity;
        for (int j = 0; j < n; j++)
            maxLogit = Math.Max(maxLogit, _work[_ids[j]]);
        double invT = 1.0 / _options.Temperature;
        double total = 0;
        for (int j = 0; j < n; j++)
        {
            _probs[j] = Math.Exp((_work[_ids[j]] - (double)maxLogit) * invT);
            total += _probs[j];
        }
        for (int j = 0; j < n; j++)
            _probs[j] /= total;
        _count = n;
    }

    // _work = logits + bias, then penalties over the window of history.
    private void ApplyBiasAndPenalties(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        if (logits.Length != _vocabSize)
            throw new ArgumentException($"logits has {logits.Length} entries, expected the vocabulary size {_vocabSize}", nameof(logits));
        logits.CopyTo(_work);
        for (int b = 0; b < _biasIds.Length; b++)
            _work[_biasIds[b]] += _biasValues[b];

        float repeat = _options.RepetitionPenalty;
        float frequency = _options.FrequencyPenalty;
        float presence = _options.PresencePenalty;
        int lastN = _options.PenaltyLastN;
        if (lastN == 0 || (repeat == 1f && frequency == 0f && presence == 0f))
            return;

        ReadOnlySpan<int> window = lastN < 0 || lastN >= history.Length ? history : history[^lastN..];
        // Check every id before touching _counts, so a bad id cannot leave it dirty.
        foreach (int t in window)
        {
            if ((uint)t >= (uint)_vocabSize)
                ThrowHistoryId(t);
        }
        foreach (int t in window)
            _counts[t]++;
        foreach (int t in window)
        {
            int count = _counts[t];
            if (count == 0)
                continue; // this id was already penalised at its first occurrence
            _counts[t] = 0;
            float x = _work[t];
            x = x <= 0f ? x * repeat : x / repeat;
            x -= count * frequency + presence;
            _work[t] = x;
        }
    }

    /// <summary>
    /// Compacts _ids[0, n) to the candidates that top-p and min-p can keep, in id order, so that only they
    /// are sorted (a peaked distribution keeps a few dozen of tens of thousands): with min-p, logits ≥
    /// max + ln(min_p); with top-p, logits ≥ a threshold τ whose candidates already hold p of the
    /// probability mass (the nucleus is the shortest most-likely-first run reaching p, so it lies above
    /// τ). τ starts 4 nats under the max and widens. <paramref name="total"/>: Σ exp(x − max) over all
    /// candidates, the top-p normaliser. Returns the new count.
    /// </summary>
    private int KeepHead(int n, float topP, float minP, out double total)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < n; j++)
            max = Math.Max(max, _work[_ids[j]]);
        total = 0;
        double floor = double.NegativeInfinity;
        if (minP > 0f)
            floor = max + Math.Log(minP);
        if (topP < 1f)
        {
            // _probs is scratch until the final distribution: the unnormalised probability of each id,
            // read again (not recomputed) by the top-p cut after sorting.
            for (int j = 0; j < n; j++)
            {
                int id = _ids[j];
                total += _probs[id] = Math.Exp(_work[id] - (double)max);
            }
            // A small slack keeps the cut safe from the rounding of this sum against the sorted one.
            double need = topP * total * (1 + 1e-9);
            for (double width = 4; width <= 256; width *= 2)
            {
                double tau = max - width, mass = 0;
                for (int j = 0; j < n; j++)
                {
                    int id = _ids[j];
                    if (_work[id] >= tau)
                        mass += _probs[id];
                }
                if (mass >= need)
                {
                    floor = Math.Max(floor, tau);
                    break;
                }
            }
        }
        if (double.IsNegativeInfinity(floor))
            return n;
        int kept = 0;
        for (int j = 0; j < n; j++)
        {
            int id = _ids[j];
            if (_work[id] >= floor)
                _ids[kept++] = id;
        }
        return kept;
    }

    // Orders _ids[0, n) by descending _work logit, ties by ascending id, with one primitive sort
    // (no comparer, so no allocation and no unstable tie order).
    private void SortCandidatesDescending(int n)
    {
        Span<ulong> keys = _keys.AsSpan(0, n);
        for (int j = 0; j < n; j++)
        {
            int id = _ids[j];
            keys[j] = ((ulong)DescendingKey(_work[id]) << 32) | (uint)id;
        }
        keys.Sort();
        for (int j = 0; j < n; j++)
            _ids[j] = (int)(uint)keys[j];
    }

    // A uint that sorts ascending as the float sorts descending. The usual order-preserving map
    // (flip all bits of negatives, the sign bit of positives), then complemented. x + 0f turns -0 into
    // +0 so the two zeros tie and fall back to the id.
    private static uint DescendingKey(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x + 0f);
        uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ~ascending;
    }

    /// <summary>Test hook: the final distribution of the last call, [0, count) ids and f64 probabilities.</summary>
    internal ReadOnlySpan<int> LastCandidateIds => _ids.AsSpan(0, _count);

    internal ReadOnlySpan<double> LastCandidateProbabilities => _probs.AsSpan(0, _count);

    /// <summary>Test hook: runs the chain without drawing (and without touching the RNG) and scatters
    /// the final probabilities into <paramref name="dense"/> ([V] f64, zero for dropped ids).</summary>
    internal void ComputeDistribution(ReadOnlySpan<float> logits, ReadOnlySpan<int> history, Span<double> dense)
    {
        if (_options.IsGreedy)
            Greedy(logits, history);
        else
            BuildDistribution(logits, history);
        dense.Clear();
        for (int j = 0; j < _count; j++)
            dense[_ids[j]] = _probs[j];
    }

    private static void ThrowAllBanned() =>
        throw new InvalidOperationException("Every token is banned: all logits are -infinity or NaN after SamplingOptions.LogitBias and penalties");

    private void ThrowHistoryId(int id) =>
        throw new ArgumentException($"history token id {id} is outside the vocabulary of {_vocabSize} tokens", "history");
}
