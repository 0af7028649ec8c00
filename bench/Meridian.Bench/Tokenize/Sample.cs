// Mean and sample standard deviation of a handful of repeated measurements.
namespace Meridian.Bench.Tokenize;

internal readonly record struct Sample(double Mean, double StdDev, int Count)
{
    public static Sample Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            return new(0, 0, 0);
        double mean = values.Average();
        double ss = values.Sum(v => (v - mean) * (v - mean));
        double sd = values.Count > 1 ? Math.Sqrt(ss / (values.Count - 1)) : 0;
        return new(mean, sd, values.Count);
    }
}
