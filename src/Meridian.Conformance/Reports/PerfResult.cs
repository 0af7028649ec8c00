// One --perf measurement.
using System.Text.Json.Serialization;

namespace Meridian.Conformance.Reports;

/// <summary>
/// <paramref name="Op"/> on <paramref name="DType"/> at <paramref name="Shape"/>: mean wall time per call over
/// <paramref name="Calls"/> calls (after one warm-up), bytes the op must read or write over that time (weights
/// and activations for matmul; the KV positions read for attention) and arithmetic rate (2 flops per
/// multiply-add).
/// </summary>
public sealed record PerfResult(string Op, [property: JsonPropertyName("dtype")] string DType, string Shape, int Calls, double MicrosecondsPerCall, double GigabytesPerSecond,
    double GigaflopsPerSecond);
