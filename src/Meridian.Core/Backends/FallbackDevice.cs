// --allow-fallback (issue 14): a device that runs the (op, dtype) pairs its primary lacks on a fallback device
// (the CPU), moving the tensors each such op needs. The routed pairs are fixed at construction and reported
// (Describe at start-up, Stats for `meridian devices` and /metrics): nothing falls back silently.
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Meridian.Core.Tensors;

namespace Meridian.Core.Backends;

/// <summary>
/// <see cref="Primary"/> with the (op, dtype) pairs of <see cref="Routed"/> run on <see cref="Fallback"/>.
/// Buffers are the primary's; weights only a routed op can read (their dtype's MatMul, or EmbeddingLookup for
/// tables) load on the fallback. A stream runs each op on the primary unless its pair is routed; a routed op
/// copies its inputs from the primary into fallback scratch, runs there, and copies its outputs back.
/// The wrapper owns both devices and disposes them.
/// </summary>
public sealed class FallbackDevice : IDevice
{
    private readonly FrozenSet<(BackendOp, DType)> _routed;

    // Calls run on the fallback per (op, key dtype); the routed pairs are there from the start (0 calls).
    private readonly ConcurrentDictionary<(BackendOp, DType), StrongBox<long>> _calls = new();
    private long _bytesToFallback, _bytesFromFallback;

    // Weights loaded on the fallback, per dtype, and how many of them any op may read (for Describe).
    private readonly Lock _weightsLock = new();
    private readonly Dictionary<DType, (string First, int Count, long Bytes)> _fallbackWeights = [];
    private (string First, int Count) _anyUseWeights;

    /// <summary>
    /// Wraps <paramref name="primary"/>, routing <paramref name="routed"/> (the pairs it lacks, as the model loader
    /// finds them) to <paramref name="fallback"/>. A pair the fallback lacks too is refused with an
    /// <see cref="UnsupportedOpException"/> naming the op and the dtype.
    /// </summary>
    public FallbackDevice(IDevice primary, IDevice fallback, IReadOnlyCollection<(BackendOp Op, DType Type)> routed)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(fallback);
        ArgumentNullException.ThrowIfNull(routed);
        if (ReferenceEquals(primary, fallback))
            throw new ArgumentException($"fallback: '{primary.Name}' cannot be its own fallback", nameof(fallback));
        foreach (var (op, type) in routed)
        {
            if (op == BackendOp.MoeFeedForward)
                throw new UnsupportedOpException(
                    $"{op.Name()} on {type.Name()} is not supported by {primary.Name}, and experts cannot run on a fallback device: " +
                    "a mixture-of-experts model needs a device that runs moe_ffn (the CPU does)");
            if (!fallback.Supports(op, type))
                throw new UnsupportedOpException(
                    $"{op.Name()} on {type.Name()} is supported neither by {primary.Name} nor by the fallback {fallback.Name}");
        }
        Primary = primary;
        Fallback = fallback;
        Routed = [.. routed.Distinct().OrderBy(p => p.Op).ThenBy(p => p.Type)];
        _routed = Routed.Select(p => (p.Op, p.Type)).ToFrozenSet();
        foreach (var pair in _routed)
            _calls[pair] = new StrongBox<long>();
    }

    /// <summary>The device every op runs on unless routed.</summary>
    public IDevice Primary { get; }

    /// <summary>The device that runs the routed pairs (the CPU).</summary>
    public IDevice Fallback { get; }

    /// <summary>The (op, dtype) pairs run on <see cref="Fallback"/>, by op then dtype.</summary>
    public IReadOnlyList<(BackendOp Op, DType Type)> Routed { get; }

    /// <inheritdoc />
    public string Name => $"{Primary.Name} + {Fallback.Name} fallback";

    /// <inheritdoc />
    public DeviceKind Kind => Primary.Kind;

    /// <inheritdoc />
    public long MemoryBytes => Primary.MemoryBytes;

    /// <inheritdoc />
    public long MaxAllocationBytes => Primary.MaxAllocationBytes;

    /// <summary>Whether <paramref name="op"/> keyed on <paramref name="type"/> runs on the fallback.</summary>
    public bool IsRouted(BackendOp op, DType type) => _routed.Contains((op, type));

    /// <inheritdoc />
    /// <remarks>The primary's pairs and the routed ones (which the constructor checked the fallback supports).</remarks>
    public bool Supports(BackendOp op, DType type) => IsRouted(op, type) || Primary.Supports(op, type);

    /// <inheritdoc />
    /// <remarks>The fallback's answer when the op is routed (for any dtype), else the primary's.</remarks>
    public bool SupportsVariant(BackendOp op, string variant) =>
        Routed.Any(p => p.Op == op) ? Fallback.SupportsVariant(op, variant) : Primary.SupportsVariant(op, variant);

    /// <inheritdoc />
    /// <remarks>Always on the primary: activations, caches and step inputs live there.</remarks>
    public IDeviceBuffer Allocate(long bytes, BufferUsage usage) => Primary.Allocate(bytes, usage);

    /// <inheritdoc />
    /// <remarks>
    /// On the fallback when the weight's dtype is routed for an op that reads it: MatMul, or (for
    /// <see cref="WeightUse.Any"/>, which covers embedding tables) EmbeddingLookup; else on the primary.
    /// Any op reading a weight that lives on the fallback runs there too, routed or not (the embedding lookup of
    /// a table tied to a routed output matrix): counted in <see cref="Stats"/> and named by <see cref="Describe"/>.
    /// </remarks>
    public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        bool toFallback = IsRouted(BackendOp.MatMul, weight.Type)
            || (use == WeightUse.Any && IsRouted(BackendOp.EmbeddingLookup, weight.Type));
        if (!toFallback)
            return Primary.LoadWeights(weight, use, progress);

        var buffer = Fallback.LoadWeights(weight, use, progress);
        lock (_weightsLock)
        {
            _fallbackWeights[weight.Type] = _fallbackWeights.TryGetValue(weight.Type, out var t)
                ? (t.First, t.Count + 1, t.Bytes + weight.ByteLength)
                : (weight.Name, 1, weight.ByteLength);
            if (use == WeightUse.Any)
                _anyUseWeights = _anyUseWeights.Count == 0 ? (weight.Name, 1) : (_anyUseWeights.First, _anyUseWeights.Count + 1);
        }
        return buffer;
    }

    /// <inheritdoc />
    public IComputeStream CreateStream() => new FallbackComputeStream(this, Primary.CreateStream(), Fallback.CreateStream());

    /// <summary>A snapshot of the counters: calls per pair run on the fallback (every routed pair listed) and bytes moved.</summary>
    public FallbackStats Stats
    {
        get
        {
            var calls = new Dictionary<(BackendOp Op, DType Type), long>();
            foreach (var (pair, count) in _calls)
                calls[pair] = Interlocked.Read(ref count.Value);
            return new FallbackStats(calls, Interlocked.Read(ref _bytesToFallback), Interlocked.Read(ref _bytesFromFallback));
        }
    }

    /// <summary>
    /// One line for start-up output: "fallback to cpu (8 threads): matmul on q4_0 (blk.0.attn_q.weight and 153 more,
    /// 612.0 MiB), paged_attention on f16; any op reading token_embd.weight runs there too". Weights are listed once
    /// per dtype, after the first pair that reads them; the last clause names the WeightUse.Any weights loaded there.
    /// </summary>
    public string Describe()
    {
        if (Routed.Count == 0)
            return $"no fallback: every op runs on {Primary.Name}";
        var sb = new StringBuilder($"fallback to {Fallback.Name}: ");
        var listed = new HashSet<DType>();
        lock (_weightsLock)
        {
            for (int i = 0; i < Routed.Count; i++)
            {
                var (op, type) = Routed[i];
                if (i > 0)
                    sb.Append(", ");
                sb.Append(op.Name()).Append(" on ").Append(type.Name());
                if (op is BackendOp.MatMul or BackendOp.EmbeddingLookup && _fallbackWeights.TryGetValue(type, out var w) && listed.Add(type))
                {
                    sb.Append(" (").Append(w.First);
                    if (w.Count > 1)
                        sb.Append(" and ").Append(w.Count - 1).Append(" more");
                    sb.Append(", ").Append((w.Bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture)).Append(" MiB)");
                }
            }
            if (_anyUseWeights.Count > 0)
            {
                sb.Append("; any op reading ").Append(_anyUseWeights.First);
                if (_anyUseWeights.Count > 1)
                    sb.Append(" or ").Append(_anyUseWeights.Count - 1).Append(" more");
                sb.Append(" runs there too");
            }
        }
        return sb.ToString();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Primary.Dispose();
        Fallback.Dispose();
    }

    internal void CountCalls(BackendOp op, DType type, long calls) =>
        Interlocked.Add(ref _calls.GetOrAdd((op, type), static _ => new StrongBox<long>()).Value, calls);

    internal void CountToFallback(long bytes) => Interlocked.Add(ref _bytesToFallback, bytes);

    internal void CountFromFallback(long bytes) => Interlocked.Add(ref _bytesFromFallback, bytes);
}
