// One row of the support matrix as the JSON lists it.
using System.Text.Json.Serialization;

namespace Meridian.Conformance.Reports;

/// <summary>(<paramref name="Op"/>, <paramref name="DType"/>): its status and how many of its cases ran and failed.</summary>
public sealed record SupportEntry(string Op, [property: JsonPropertyName("dtype")] string DType, SupportStatus Status, int Cases, int Failed);
