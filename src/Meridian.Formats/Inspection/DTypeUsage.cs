// Per-dtype tensor count and bytes, as `meridian inspect` reports them.
namespace Meridian.Formats.Inspection;

/// <summary>How many tensors of one dtype and their bytes.</summary>
public sealed record DTypeUsage(string Dtype, int Count, long Bytes);
