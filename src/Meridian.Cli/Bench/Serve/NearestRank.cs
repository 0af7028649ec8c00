// Percentiles of `meridian bench serve` by the nearest-rank method: the P-th percentile of n sorted samples is
// the sample at 1-based rank ceil(P/100 · n) (rank 1 for P = 0). Always one of the samples, never interpolated,
// so p99 of fewer than 100 samples is the largest one.
namespace Meridian.Cli.Bench.Serve;

internal static class NearestRank
{
    /// <summary>The <paramref name="percent"/>-th percentile (0..100) of <paramref name="samples"/> (any order), or null when there are none.</summary>
    public static double? Percentile(IReadOnlyCollection<double> samples, double percent)
    {
        if (percent is < 0 or > 100 || double.IsNaN(percent))
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "a percentile lies in 0..100");
        if (samples.Count == 0)
            return null;
        double[] sorted = [.. samples];
        Array.Sort(sorted);
        // ceil(P/100 · n), computed as P·n/100 so 99·100/100 is exactly 99 (0.99·100 would be 99.00000000000001).
        int rank = (int)Math.Ceiling(percent * sorted.Length / 100);
        return sorted[Math.Max(rank, 1) - 1];
    }
}
