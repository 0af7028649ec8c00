// The counters of a FallbackDevice at one moment: what ran on the fallback and what it cost in transfers,
// for `meridian devices` and the /metrics counters.
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>
/// <see cref="Calls"/>: ops run on the fallback per (op, key dtype), every routed pair listed even at 0 (a
/// MatMulShared counts one MatMul per weight it routes). <see cref="BytesToFallback"/> and
/// <see cref="BytesFromFallback"/>: tensor bytes copied primary -> fallback and back. An op that is not routed
/// but reads a weight living on the fallback runs there and is counted too.
/// </summary>
public sealed record FallbackStats(
    IReadOnlyDictionary<(BackendOp Op, DType Type), long> Calls,
    long BytesToFallback,
    long BytesFromFallback)
{
    /// <summary>Calls of one pair (0 when it never ran on the fallback).</summary>
    public long CallsOf(BackendOp op, DType type) => Calls.TryGetValue((op, type), out long n) ? n : 0;

    /// <summary>Every op run on the fallback.</summary>
    public long TotalCalls => Calls.Values.Sum();
}
