// One checked case: which op (or model check), which dtype, which shape, and how it came out.
using System.Text.Json.Serialization;

namespace Meridian.Conformance.Reports;

/// <summary>
/// <paramref name="Level"/> "op" or "model"; <paramref name="Op"/> the op's name ("matmul") or the model check
/// ("greedy", "logits", "batch"); <paramref name="DType"/> the dtype the case is keyed on (weight, table or KV
/// dtype; "f32" for activation ops); <paramref name="Shape"/> the shape and parameters in words;
/// <paramref name="Nmse"/> the largest NMSE over the case's outputs against <paramref name="Bound"/> (null
/// where nothing numeric was compared); <paramref name="Message"/> what failed, null on a pass.
/// </summary>
public sealed record CaseResult(string Level, string Op, [property: JsonPropertyName("dtype")] string DType, string Shape, CaseStatus Status, double? Nmse, double? Bound,
    string? Message, double Milliseconds)
{
    /// <summary>"matmul q4_0 N=67 K=96 T=7".</summary>
    public override string ToString() => $"{Op} {DType} {Shape}";
}
