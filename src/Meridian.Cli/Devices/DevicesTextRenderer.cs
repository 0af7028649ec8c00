// `meridian devices` for a terminal: a block per backend, a line per device, then its claimed dtypes per op.
namespace Meridian.Cli.Devices;

internal static class DevicesTextRenderer
{
    public static void Write(TextWriter w, DevicesListing listing)
    {
        w.WriteLine($"Meridian backend contract {listing.Contract}");
        foreach (var b in listing.Backends)
        {
            w.WriteLine();
            w.WriteLine($"backend {b.Name}: contract {b.Contract}, {(b.Available ? "available" : "not available")}, score {b.Score}");
            if (b.Error != null)
                w.WriteLine($"  error: {b.Error}");
            foreach (var d in b.Devices)
            {
                w.WriteLine($"  {d.Id}  {d.Name}  kind {d.Kind}, memory {Bytes(d.MemoryBytes)}, max allocation {Bytes(d.MaxAllocationBytes)}");
                if (d.Features is { } features)
                    w.WriteLine($"    features: {features}");
                int width = d.Supports.Keys.Max(k => k.Length);
                foreach (var (op, types) in d.Supports)
                    w.WriteLine($"    {op.PadRight(width)}  {(types.Count == 0 ? "-" : string.Join(" ", types))}");
                if (d.FallbackToCpu is { Count: > 0 } routed)
                {
                    w.WriteLine("    with --allow-fallback, on the cpu:");
                    foreach (var (op, types) in routed)
                        w.WriteLine($"    {op.PadRight(width)}  {string.Join(" ", types)}");
                }
            }
        }
        foreach (var skipped in listing.Skipped)
        {
            w.WriteLine();
            w.WriteLine($"skipped plugin {skipped.Source}: {skipped.Reason}");
        }
    }

    private static string Bytes(long n) => n >= 1L << 30 ? $"{n / (double)(1L << 30):F1} GiB" : $"{n / (double)(1L << 20):F1} MiB";
}
