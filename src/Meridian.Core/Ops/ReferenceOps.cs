// Scalar reference versions of every backend op: the oracle fast kernels are tested against.
// Written to read like llama2.c run.c (MIT): one loop nest per op, f32 accumulation in order.
namespace Meridian.Core.Ops;

/// <summary>
/// Slow, readable implementations of the <see cref="Backends.IComputeStream"/> ops on host spans.
/// Layouts and shapes are those of the contract; see each method.
/// </summary>
public static partial class ReferenceOps
{
}
