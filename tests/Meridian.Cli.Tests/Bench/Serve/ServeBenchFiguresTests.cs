// The arithmetic of `meridian bench serve`, on hand-computed cases: nearest-rank percentiles, a phase's summary
// from samples with known times, the speed-up column, and the prompts.
using System.Diagnostics;
using Meridian.Cli.Bench.Serve;

namespace Meridian.Cli.Tests.Bench.Serve;

public sealed class ServeBenchFiguresTests
{
    [Theory]
    // 1..10: rank ceil(0.5·10) = 5 -> 5; ceil(0.99·10) = 10 -> 10; ceil(0.9·10) = 9 -> 9; P0 -> rank 1.
    [InlineData(new double[] { 7, 3, 10, 1, 5, 2, 9, 4, 8, 6 }, 50, 5)]
    [InlineData(new double[] { 7, 3, 10, 1, 5, 2, 9, 4, 8, 6 }, 99, 10)]
    [InlineData(new double[] { 7, 3, 10, 1, 5, 2, 9, 4, 8, 6 }, 90, 9)]
    [InlineData(new double[] { 7, 3, 10, 1, 5, 2, 9, 4, 8, 6 }, 0, 1)]
    [InlineData(new double[] { 7, 3, 10, 1, 5, 2, 9, 4, 8, 6 }, 100, 10)]
    // {15, 20, 35, 40, 50}: P30 -> ceil(1.5) = 2 -> 20; P40 -> ceil(2) = 2 -> 20; P50 -> ceil(2.5) = 3 -> 35.
    [InlineData(new double[] { 50, 15, 40, 20, 35 }, 30, 20)]
    [InlineData(new double[] { 50, 15, 40, 20, 35 }, 40, 20)]
    [InlineData(new double[] { 50, 15, 40, 20, 35 }, 50, 35)]
    [InlineData(new double[] { 42 }, 99, 42)]
    public void Percentile_HandComputed_NearestRank(double[] samples, double percent, double expected)
    {
        Assert.Equal(expected, NearestRank.Percentile(samples, percent));
    }

    [Fact]
    public void Percentile_HundredSamples_P99IsThe99th()
    {
        double[] samples = [.. Enumerable.Range(1, 100).Select(i => (double)i)];

        Assert.Equal(99, NearestRank.Percentile(samples, 99)); // ceil(0.99·100) = 99, not the maximum
        Assert.Equal(50, NearestRank.Percentile(samples, 50));
    }

    [Fact]
    public void Percentile_NoSamples_Null()
    {
        Assert.Null(NearestRank.Percentile([], 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => NearestRank.Percentile([1.0], 101));
    }

    [Fact]
    public void Summarize_HandMadeSamples_FiguresAsDefined()
    {
        // Times in ms from 0. Request A: sent 0, tokens at 100..400 (4 tokens), ends 410.
        // Request B: sent 50, tokens at 250..(250 + 9·20 = 430) (10 tokens), ends 500.
        // Request C: sent 60, failed at 1000 (counts in the wall time, not in tokens).
        // Wall = 1000 - 0 ms; tokens of successful requests 4 + 10 = 14 -> 14 tokens/s.
        // TTFT: A 100, B 200 -> p50 = 100 (rank ceil(1) = 1), p99 = 200. TPOT: A 300/3 = 100, B 180/9 = 20 -> p50 20, p99 100.
        RequestSample[] samples =
        [
            new(T(0), T(410), T(100), T(400), 4, null),
            new(T(50), T(500), T(250), T(430), 10, null),
            new(T(60), T(1000), null, null, 0, "HTTP 500"),
        ];

        var r = ServeBenchRunner.Summarize(2, samples);

        Assert.Equal((2, 2, 1), (r.Clients, r.RequestsOk, r.RequestsFailed));
        Assert.Equal(14, r.TokensPerSecond, 6);
        Assert.Equal(7, r.TokensPerSecondPerClient, 6);
        Assert.Equal(100, r.TtftP50Ms!.Value, 6);
        Assert.Equal(200, r.TtftP99Ms!.Value, 6);
        Assert.Equal(20, r.TpotP50Ms!.Value, 6);
        Assert.Equal(100, r.TpotP99Ms!.Value, 6);
        Assert.Null(r.SpeedupVs1);
    }

    [Fact]
    public void Summarize_AllFailed_ZeroTokensAndNoLatencies()
    {
        var r = ServeBenchRunner.Summarize(1, [new(T(0), T(5), null, null, 0, "cut")]);

        Assert.Equal((0, 1, 0.0), (r.RequestsOk, r.RequestsFailed, r.TokensPerSecond));
        Assert.Null(r.TtftP50Ms);
        Assert.Null(r.TpotP99Ms);
    }

    [Fact]
    public void WithSpeedup_RatioToTheOneClientRow_NullWithoutOne()
    {
        ServeBenchResult Row(int clients, double tps) => new(clients, 1, 0, tps, null, null, null, null, null);

        var withOne = ServeBenchRunner.WithSpeedup([Row(4, 300), Row(1, 100), Row(16, 50)]);
        var withoutOne = ServeBenchRunner.WithSpeedup([Row(4, 300)]);
        var oneIsZero = ServeBenchRunner.WithSpeedup([Row(1, 0), Row(4, 300)]);

        Assert.Equal([3.0, 1.0, 0.5], withOne.Select(r => r.SpeedupVs1!.Value));
        Assert.Null(Assert.Single(withoutOne).SpeedupVs1);
        Assert.All(oneIsZero, r => Assert.Null(r.SpeedupVs1));
    }

    [Fact]
    public void Prompts_SameSeedAndIndex_SameText_OtherwiseDistinct()
    {
        string[] prompts = [.. Enumerable.Range(0, 1000).Select(i => BenchPrompts.Make(seed: 1, i, words: 32))];

        Assert.Equal(prompts[7], BenchPrompts.Make(1, 7, 32));
        Assert.NotEqual(prompts[7], BenchPrompts.Make(2, 7, 32));
        Assert.All(prompts, p => Assert.Equal(32, p.Split(' ').Length));
        // Distinct from their opening: no two of the 1000 share their first four words (64^4 ≈ 16.8 M openings, so
        // by chance a collision has odds of about 1000² / (2 · 16.8 M) ≈ 3%; a mix that ignored the index would collide everywhere).
        Assert.Equal(1000, prompts.Select(p => string.Join(' ', p.Split(' ')[..4])).Distinct().Count());
    }

    [Theory]
    [InlineData("http://h:8080", "http://h:8080/v1/models")]
    [InlineData("http://h:8080/", "http://h:8080/v1/models")]
    [InlineData("http://h:8080/v1", "http://h:8080/v1/models")]
    [InlineData("http://h:8080/v1/", "http://h:8080/v1/models")]
    [InlineData("https://h/proxy/llm/", "https://h/proxy/llm/v1/models")]
    public void Resolve_BaseUrlWithOrWithoutV1_OneV1(string url, string expected)
    {
        var options = new ServeBenchOptions(new Uri(url), null, null, [1], 1, 1, 1, false, 1, false, 0, 1);

        Assert.Equal(expected, options.Resolve("/v1/models").AbsoluteUri);
    }

    private static long T(double ms) => (long)(ms * Stopwatch.Frequency / 1000);
}
