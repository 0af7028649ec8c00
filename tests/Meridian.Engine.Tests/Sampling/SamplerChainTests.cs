// Hand-computed cases for each step of the sampler chain; the arithmetic is in the comments.
using Meridian.Engine.Sampling;
using static Meridian.Engine.Tests.Sampling.SamplingTestHelpers;

namespace Meridian.Engine.Tests.Sampling;

public class SamplerChainTests
{
    // Token probabilities by id: 0 → .25, 1 → .10, 2 → .50, 3 → .15 (sorted: 2, 0, 3, 1).
    private static readonly float[] Shuffled = LogitsOf(0.25, 0.10, 0.50, 0.15);

    [Fact]
    public void Greedy_TiedMaximum_PicksLowestId()
    {
        // logits [1, 3, 3, 2]: max 3 at ids 1 and 2 → 1.
        var sampler = new Sampler(new SamplingOptions { Temperature = 0 }, 4);
        Assert.Equal(1, sampler.Sample([1f, 3f, 3f, 2f], []));
        // all equal → id 0
        Assert.Equal(0, sampler.Sample([-5f, -5f, -5f, -5f], []));
    }

    [Fact]
    public void TopK1_RandomRowsWithTies_EqualsArgmax()
    {
        var rng = new Random(7);
        var sampler = new Sampler(new SamplingOptions { TopK = 1, Temperature = 1.3f, Seed = 3 }, 50);
        for (int row = 0; row < 500; row++)
        {
            // integer logits 0..9 over 50 ids: ties at the maximum are the common case
            float[] logits = Enumerable.Range(0, 50).Select(_ => (float)rng.Next(10)).ToArray();
            int expected = Array.IndexOf(logits, logits.Max()); // first index of the max = lowest id
            Assert.Equal(expected, sampler.Sample(logits, []));
        }
    }

    [Fact]
    public void TopK_Three_KeepsThreeLargestRenormalised()
    {
        // logits [1, 4, 2, 4, 3], k = 3 keeps ids 1, 3, 4 (4, 4, 3).
        // p = e^4, e^4, e^3 over 2e^4 + e^3 = e/(2e+1), e/(2e+1), 1/(2e+1) = .42232, .42232, .15536
        double e = Math.E;
        var p = Distribution(new SamplingOptions { TopK = 3 }, [1f, 4f, 2f, 4f, 3f]);
        AssertProbabilities([0, e / (2 * e + 1), 0, e / (2 * e + 1), 1 / (2 * e + 1)], p);
    }

    [Fact]
    public void TopK_TieAtCut_KeepsLowerId()
    {
        // ids 1 and 3 tie at 4; k = 1 keeps id 1 only.
        var p = Distribution(new SamplingOptions { TopK = 1 }, [1f, 4f, 2f, 4f, 3f]);
        AssertProbabilities([0, 1, 0, 0, 0], p);
    }

    [Theory]
    // sorted p: .50 (id 2), .25 (id 0), .15 (id 3), .10 (id 1); cumulative .50, .75, .90, 1.0
    [InlineData(0.4f, new[] { 2 })]          // .50 ≥ .4 at the first token
    [InlineData(0.7f, new[] { 2, 0 })]       // .75 ≥ .7
    [InlineData(0.8f, new[] { 2, 0, 3 })]    // .90 ≥ .8
    [InlineData(0.95f, new[] { 2, 0, 3, 1 })]
    public void TopP_HandComputedCumulative_KeepsExactSet(float topP, int[] kept)
    {
        double[] original = [0.25, 0.10, 0.50, 0.15];
        double mass = kept.Sum(id => original[id]); // e.g. p = .7: .5 + .25 = .75 → 2/3, 1/3
        double[] expected = original.Select((q, id) => kept.Contains(id) ? q / mass : 0).ToArray();
        AssertProbabilities(expected, Distribution(new SamplingOptions { TopP = topP }, Shuffled));
    }

    [Fact]
    public void TopP_AfterTopK_SeesRenormalisedProbabilities()
    {
        // top-k 2 keeps .50 and .25 → renormalised 2/3 and 1/3. top-p .6: 2/3 ≥ .6 → only id 2.
        // (Without top-k, top-p .6 would keep two: .50 < .6 ≤ .75.)
        AssertProbabilities([0, 0, 1, 0], Distribution(new SamplingOptions { TopK = 2, TopP = 0.6f }, Shuffled));
        AssertProbabilities([1.0 / 3, 0, 2.0 / 3, 0], Distribution(new SamplingOptions { TopP = 0.6f }, Shuffled));
    }

    [Theory]
    // p_max = .50; min-p .4 → threshold .20 keeps .50, .25; min-p .25 → .125 keeps .50, .25, .15
    [InlineData(0.4f, new[] { 2, 0 })]
    [InlineData(0.25f, new[] { 2, 0, 3 })]
    [InlineData(1.0f, new[] { 2 })]
    public void MinP_HandComputedThreshold_KeepsExactSet(float minP, int[] kept)
    {
        double[] original = [0.25, 0.10, 0.50, 0.15];
        double mass = kept.Sum(id => original[id]);
        double[] expected = original.Select((q, id) => kept.Contains(id) ? q / mass : 0).ToArray();
        AssertProbabilities(expected, Distribution(new SamplingOptions { MinP = minP }, Shuffled));
    }

    [Fact]
    public void MinP_BeforeTemperature_UsesTemperatureOneProbabilities()
    {
        // p = [.5, .25, .15, .1]; min-p .4 at T = 1 keeps ids 0, 1 (threshold .2).
        // Then T = 2: weights √.5 = .70711, √.25 = .5 → .58579, .41421.
        // (At T = 2 first, p ∝ √p = [.7071, .5, .3873, .3162]/1.9106 = [.370, .262, .203, .166] and
        //  min-p .4 × .370 = .148 would keep all four; vLLM's order.)
        var p = Distribution(new SamplingOptions { MinP = 0.4f, Temperature = 2 }, LogitsOf(0.5, 0.25, 0.15, 0.1));
        double a = Math.Sqrt(0.5), b = 0.5;
        AssertProbabilities([a / (a + b), b / (a + b), 0, 0], p);
    }

    [Theory]
    // logits [0, ln 2, ln 4] → weights 1, 2, 4 at T = 1.
    [InlineData(1.0f, new[] { 1.0 / 7, 2.0 / 7, 4.0 / 7 })]
    // T = 2: weights e^(x/2) = 1, √2, 2; sum 3 + √2 = 4.41421 → .22654, .32037, .45308
    [InlineData(2.0f, new[] { 1 / 4.414213562373095, 1.414213562373095 / 4.414213562373095, 2 / 4.414213562373095 })]
    // T = .5: weights e^(2x) = 1, 4, 16; sum 21
    [InlineData(0.5f, new[] { 1.0 / 21, 4.0 / 21, 16.0 / 21 })]
    public void Temperature_ScalesLogits_MatchesHandComputed(float temperature, double[] expected)
    {
        var p = Distribution(new SamplingOptions { Temperature = temperature }, [0f, (float)Math.Log(2), (float)Math.Log(4)]);
        AssertProbabilities(expected, p);
    }

    [Fact]
    public void Penalties_AllThree_MatchHandComputedLogits()
    {
        // logits [2, -1, .5, 3, 0]; history counts: id0 ×2, id1 ×1, id3 ×1, id4 ×3, id2 unseen.
        // repetition 2: id0 2/2 = 1; id1 -1·2 = -2; id3 3/2 = 1.5; id4 0·2 = 0 (≤ 0 multiplies).
        // then -= c·.5 + .25: id0 1 - 1.25 = -.25; id1 -2 - .75 = -2.75; id3 1.5 - .75 = .75;
        // id4 0 - 1.75 = -1.75; id2 stays .5.
        var options = new SamplingOptions
        {
            RepetitionPenalty = 2, FrequencyPenalty = 0.5f, PresencePenalty = 0.25f, PenaltyLastN = -1,
        };
        var p = Distribution(options, [2f, -1f, 0.5f, 3f, 0f], [0, 1, 0, 3, 4, 4, 4]);
        AssertProbabilities(Softmax(-0.25, -2.75, 0.5, 0.75, -1.75), p);
    }

    [Fact]
    public void RepetitionPenalty_SeenLeader_FlipsGreedyChoice()
    {
        // [2, 1.5], id 0 seen, penalty 2 → [1, 1.5] → argmax 1.
        var sampler = new Sampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 2 }, 2);
        Assert.Equal(1, sampler.Sample([2f, 1.5f], [0]));
        Assert.Equal(0, sampler.Sample([2f, 1.5f], [1])); // [2, .75] → 0
    }

    [Theory]
    // logits [1, 1, 1], history [0, 0, 0, 1], frequency 1.
    [InlineData(2, new[] { 0.0, 0.0, 1.0 })]   // window [0, 1]: counts 1, 1 → [0, 0, 1]
    [InlineData(-1, new[] { -2.0, 0.0, 1.0 })] // whole history: counts 3, 1 → [-2, 0, 1]
    [InlineData(0, new[] { 1.0, 1.0, 1.0 })]   // 0 = penalties off
    [InlineData(100, new[] { -2.0, 0.0, 1.0 })] // window longer than history = whole history
    public void PenaltyLastN_Window_CountsOnlyRecentTokens(int lastN, double[] penalizedLogits)
    {
        var options = new SamplingOptions { FrequencyPenalty = 1, PenaltyLastN = lastN };
        var p = Distribution(options, [1f, 1f, 1f], [0, 0, 0, 1]);
        AssertProbabilities(Softmax(penalizedLogits), p);
    }

    [Fact]
    public void LogitBias_NegativeInfinity_BansToken()
    {
        // [5, 1, 0] with id 0 banned: greedy → 1; distribution e^1, e^0 → e/(e+1) = .73106, .26894.
        var options = new SamplingOptions { LogitBias = new Dictionary<int, float> { [0] = float.NegativeInfinity }, Seed = 1 };
        float[] logits = [5f, 1f, 0f];
        Assert.Equal(1, new Sampler(options with { Temperature = 0 }, 3).Sample(logits, []));
        AssertProbabilities([0, Math.E / (Math.E + 1), 1 / (Math.E + 1)], Distribution(options, logits));
        var sampler = new Sampler(options, 3);
        for (int i = 0; i < 2000; i++)
            Assert.NotEqual(0, sampler.Sample(logits, []));
    }

    [Fact]
    public void LogitBias_Positive_ShiftsArgmax()
    {
        // [5, 1, 0] + {2: +10} → [5, 1, 10] → 2.
        var options = new SamplingOptions { Temperature = 0, LogitBias = new Dictionary<int, float> { [2] = 10f } };
        Assert.Equal(2, new Sampler(options, 3).Sample([5f, 1f, 0f], []));
    }

    [Fact]
    public void Sample_EveryTokenBanned_ThrowsInvalidOperation()
    {
        var bans = new Dictionary<int, float> { [0] = float.NegativeInfinity, [1] = float.NegativeInfinity };
        Assert.Throws<InvalidOperationException>(() => new Sampler(new SamplingOptions { LogitBias = bans }, 2).Sample([1f, 2f], []));
        Assert.Throws<InvalidOperationException>(() => new Sampler(new SamplingOptions { LogitBias = bans, Temperature = 0 }, 2).Sample([1f, 2f], []));
    }

    [Fact]
    public void Sample_BadInputs_ThrowArgumentException()
    {
        var sampler = new Sampler(new SamplingOptions { FrequencyPenalty = 1 }, 3);
        var e1 = Assert.Throws<ArgumentException>(() => sampler.Sample([1f, 2f], []));
        Assert.Equal("logits", e1.ParamName);
        var e2 = Assert.Throws<ArgumentException>(() => sampler.Sample([1f, 2f, 3f], [0, 3]));
        Assert.Equal("history", e2.ParamName);
        // the failed call left no stale counts: [1, 2, 3] with history [0] → [0, 2, 3]
        var dense = new double[3];
        sampler.ComputeDistribution([1f, 2f, 3f], [0], dense);
        AssertProbabilities(Softmax(0, 2, 3), dense);
    }

    [Fact]
    public void Logprobs_RawModelValues_IgnoreBiasPenaltiesAndTemperature()
    {
        // logits = ln p + 7 (the shift cancels in log_softmax): p by id .25, .10, .50, .15.
        float[] logits = new[] { 0.25, 0.10, 0.50, 0.15 }.Select(p => (float)(Math.Log(p) + 7)).ToArray();
        var options = new SamplingOptions
        {
            Logprobs = true, TopLogprobs = 2, Temperature = 0.5f, RepetitionPenalty = 3, Seed = 5,
            LogitBias = new Dictionary<int, float> { [2] = float.NegativeInfinity },
        };
        var sampler = new Sampler(options, 4);
        double[] raw = [Math.Log(0.25), Math.Log(0.10), Math.Log(0.50), Math.Log(0.15)];
        for (int i = 0; i < 50; i++)
        {
            int token = sampler.Sample(logits, [0, 1]);
            Assert.NotEqual(2, token);
            Assert.Equal(raw[token], sampler.SampledLogprob, 5);
            // top 2 stay the model's: id 2 (ln .5) then id 0 (ln .25), though id 2 is banned here
            Assert.Equal([2, 0], sampler.TopLogprobIds.ToArray());
            Assert.Equal(Math.Log(0.50), sampler.TopLogprobValues[0], 5);
            Assert.Equal(Math.Log(0.25), sampler.TopLogprobValues[1], 5);
        }
    }

    [Fact]
    public void Logprobs_TiedAlternatives_LowerIdFirst()
    {
        // [1, 2, 2, 0]: ids 1 and 2 tie; logZ = ln(e + 2e² + 1); top 3 = ids 1, 2, 0.
        var sampler = new Sampler(new SamplingOptions { Temperature = 0, TopLogprobs = 3 }, 4);
        Assert.Equal(1, sampler.Sample([1f, 2f, 2f, 0f], []));
        double logZ = Math.Log(Math.E + 2 * Math.E * Math.E + 1);
        Assert.Equal([1, 2, 0], sampler.TopLogprobIds.ToArray());
        Assert.Equal(2 - logZ, sampler.TopLogprobValues[0], 5);
        Assert.Equal(1 - logZ, sampler.TopLogprobValues[2], 5);
        Assert.Equal(2 - logZ, sampler.SampledLogprob, 5);
    }
}
