// One op-level case: an op keyed on a dtype, a shape in words, and the code that builds inputs, runs the op on
// the device, computes the reference and compares.
using Meridian.Conformance.Checking;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance;

/// <summary><paramref name="Op"/> on <paramref name="Type"/> at <paramref name="Shape"/>; <paramref name="Run"/> does the work.</summary>
internal sealed record OpCase(BackendOp Op, DType Type, string Shape, Action<CaseContext> Run)
{
    /// <summary>A seed from the case's name (FNV-1a), so a case's inputs do not depend on which other cases run.</summary>
    public int Seed(int runSeed)
    {
        uint h = 2166136261;
        foreach (char c in $"{Op.Name()}/{Type.Name()}/{Shape}")
            h = (h ^ c) * 16777619;
        return (int)h ^ runSeed;
    }
}
