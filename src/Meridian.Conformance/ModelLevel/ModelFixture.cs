// A model the model level runs: a name, the weight dtype it is labelled with, where its file is (written on
// first use for synthetic models), the prompt fed from position 0, and the KV dtype.
using Meridian.Core.Tensors;

namespace Meridian.Conformance.ModelLevel;

/// <summary>
/// <paramref name="Name"/> ("stories260K", "synthetic qwen3"); <paramref name="Label"/> the weight dtype as the
/// report names it ("q4_0", "q4_K_M-mixed"); <paramref name="MainType"/> the dtype --types filters on;
/// <paramref name="Path"/> makes or finds the file; <paramref name="Prompt"/> the first tokens.
/// </summary>
internal sealed record ModelFixture(string Name, string Label, DType MainType, Func<string> Path, int[] Prompt, DType KvType)
{
    /// <summary>"stories260K kv=f32", the shape column of the report.</summary>
    public string Shape => $"{Name} kv={KvType.Name()}";
}
