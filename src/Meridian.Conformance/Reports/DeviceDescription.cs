// What a device says about itself: identity, memory and every (op, dtype) it claims. `meridian devices`
// prints it; a conformance report opens with it.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Reports;

/// <summary>
/// A device's name, kind ("cpu", "gpu", "accelerator"), memory, largest allocation, and
/// <paramref name="Supports"/>: for each op of the contract (by name), the dtypes it claims (ggml names), in
/// dtype id order; an op with none claimed has an empty list.
/// </summary>
public sealed record DeviceDescription(string Name, string Kind, long MemoryBytes, long MaxAllocationBytes,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Supports)
{
    /// <summary>Every dtype with a known layout, the candidates Supports is asked about.</summary>
    public static IReadOnlyList<DType> CandidateTypes { get; } = DTypes.All.Where(i => !i.IsRemoved).Select(i => i.Type).ToArray();

    /// <summary>
    /// Asks <paramref name="device"/> about every op × every dtype with a known layout. A Supports call that
    /// throws counts as not claimed here; the conformance kit reports it as a failure.
    /// </summary>
    public static DeviceDescription Of(IDevice device)
    {
        var supports = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var op in BackendOps.All)
            supports[op.Name()] = CandidateTypes.Where(t => Claims(device, op, t, out _)).Select(t => t.Name()).ToArray();
        return new DeviceDescription(device.Name, device.Kind.ToString().ToLowerInvariant(), device.MemoryBytes, device.MaxAllocationBytes, supports);
    }

    /// <summary>Supports(op, type), with an exception caught and returned.</summary>
    public static bool Claims(IDevice device, BackendOp op, DType type, out Exception? error)
    {
        try
        {
            error = null;
            return device.Supports(op, type);
        }
        catch (Exception ex)
        {
            error = ex;
            return false;
        }
    }
}
