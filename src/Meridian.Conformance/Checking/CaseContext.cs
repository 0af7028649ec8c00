// The workspace of one conformance case: its seeded random source, the device tensors it made (all guarded),
// the weights it loaded, and what it found. Every tensor's guards, and every input's bytes, are checked when
// the case finishes; outputs are compared by the case with ExpectClose / ExpectEqual.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Checking;

/// <summary>One case's device objects and findings; disposed when the case ends.</summary>
internal sealed class CaseContext(IComputeStream stream, int seed) : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly List<GuardedTensor> _tensors = [];

    public IDevice Device => stream.Device;

    public IComputeStream Stream => stream;

    /// <summary>Fixed-seed source for this case's inputs (the seed comes from the case's name, so a filter does not change them).</summary>
    public Random Rng { get; } = new(seed);

    /// <summary>The largest NMSE of the outputs compared so far (null: none, or a non-finite value was found).</summary>
    public double? WorstNmse { get; private set; }

    /// <summary>The bound the worst output was held to.</summary>
    public double? Bound { get; private set; }

    /// <summary>What went wrong, in order.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>An input of any dtype, from its bytes.</summary>
    public GuardedTensor Input(string name, DType type, int rows, int cols, ReadOnlySpan<byte> content, BufferUsage usage = BufferUsage.Scratch) =>
        Track(GuardedTensor.Create(stream, name, type, rows, cols, content, usage, isOutput: false));

    /// <summary>An f32 input [rows, cols].</summary>
    public GuardedTensor InputF32(string name, int rows, int cols, ReadOnlySpan<float> values, BufferUsage usage = BufferUsage.Scratch) =>
        Input(name, DType.F32, rows, cols, MemoryMarshal.AsBytes(values), usage);

    /// <summary>An i32 input [values.Length / cols, cols] (per-step integers).</summary>
    public GuardedTensor InputI32(string name, ReadOnlySpan<int> values, int cols = 1) =>
        Input(name, DType.I32, values.Length / cols, cols, MemoryMarshal.AsBytes(values));

    /// <summary>An f32 output [rows, cols], filled with NaN first so an element the op leaves unwritten is caught.</summary>
    public GuardedTensor OutputF32(string name, int rows, int cols)
    {
        var nan = new float[rows * cols];
        nan.AsSpan().Fill(float.NaN);
        return Track(GuardedTensor.Create(stream, name, DType.F32, rows, cols, MemoryMarshal.AsBytes(nan.AsSpan()), BufferUsage.Scratch, isOutput: true));
    }

    /// <summary>An i32 output [rows, 1], filled with int.MinValue first.</summary>
    public GuardedTensor OutputI32(string name, int rows)
    {
        var fill = new int[rows];
        fill.AsSpan().Fill(int.MinValue);
        return Track(GuardedTensor.Create(stream, name, DType.I32, rows, 1, MemoryMarshal.AsBytes(fill.AsSpan()), BufferUsage.Scratch, isOutput: true));
    }

    /// <summary>Marks an input as written by the op (in-place ops), so its bytes are compared rather than checked unchanged.</summary>
    public GuardedTensor Written(GuardedTensor t)
    {
        t.IsOutput = true;
        return t;
    }

    /// <summary>A weight through IDevice.LoadWeights from pinned host memory, as a model loader passes it.</summary>
    public IDeviceBuffer Weight(string name, DType type, int rows, int cols, ReadOnlySpan<byte> bytes, WeightUse use)
    {
        var pinned = new PinnedWeight(name, type, rows, cols, bytes);
        _owned.Add(pinned); // disposed after the buffer (reverse order)
        var progress = new MaxProgress();
        var buffer = Device.LoadWeights(pinned.Data, use, progress);
        _owned.Add(buffer);
        if (progress.Max > bytes.Length)
            Fail($"LoadWeights('{name}') reported {progress.Max} bytes done of a {bytes.Length}-byte weight");
        return buffer;
    }

    /// <summary>Runs <paramref name="ops"/> as one step (BeginStep .. SubmitStep).</summary>
    public void Step(Action<IComputeStream> ops)
    {
        stream.BeginStep();
        ops(stream);
        stream.SubmitStep();
    }

    /// <summary>The tensor's current values (f32).</summary>
    public float[] ReadF32(GuardedTensor t) => MemoryMarshal.Cast<byte, float>(ReadBytes(t)).ToArray();

    /// <summary>The tensor's current values (i32).</summary>
    public int[] ReadI32(GuardedTensor t) => MemoryMarshal.Cast<byte, int>(ReadBytes(t)).ToArray();

    /// <summary>The tensor's current bytes.</summary>
    public byte[] ReadBytes(GuardedTensor t) => t.Content(t.ReadAll(stream)).ToArray();

    public void Fail(string message) => Failures.Add(message);

    /// <summary>
    /// Compares an output [n / cols, cols] with the reference's: every value finite where the reference is, and
    /// NMSE = Σ(a − r)² / Σr² within <paramref name="bound"/> (the plain sum of squares when the reference is all zero).
    /// </summary>
    public void ExpectClose(string what, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, int cols, double bound)
    {
        Bound = Bound is { } b ? Math.Min(b, bound) : bound;
        double err = 0, norm = 0, worst = -1;
        int worstAt = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float a = actual[i], r = expected[i];
            if (!float.IsFinite(r))
            {
                if (!a.Equals(r))
                {
                    Fail($"{what}: {a} at {At(i, cols)} where the reference has {r}");
                    return;
                }
                continue;
            }
            if (!float.IsFinite(a))
            {
                Fail($"{what}: {(float.IsNaN(a) ? "NaN" : a.ToString())} at {At(i, cols)} (reference {r:G6}){(float.IsNaN(a) ? "; unwritten, or computed as NaN" : "")}");
                WorstNmse = null;
                return;
            }
            double d = (double)a - r;
            err += d * d;
            norm += (double)r * r;
            if (Math.Abs(d) > worst)
                (worst, worstAt) = (Math.Abs(d), i);
        }
        double nmse = norm > 0 ? err / norm : err;
        WorstNmse = Math.Max(WorstNmse ?? 0, nmse);
        if (nmse > bound)
            Fail($"{what}: NMSE {nmse:G3} > {bound:G3}; largest difference at {At(worstAt, cols)}: {actual[worstAt]:G6} vs reference {expected[worstAt]:G6}");
    }

    /// <summary>Compares an output [n / cols, cols] with the reference's exactly.</summary>
    public void ExpectEqual<T>(string what, ReadOnlySpan<T> actual, ReadOnlySpan<T> expected, int cols) where T : IEquatable<T>
    {
        Bound = 0;
        int differing = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!actual[i].Equals(expected[i]))
            {
                differing++;
                if (first < 0)
                    first = i;
            }
        }
        WorstNmse ??= 0;
        if (differing > 0)
            Fail($"{what}: {differing} of {expected.Length} values differ; first at {At(first, cols)}: {actual[first]} vs reference {expected[first]}");
    }

    /// <summary>Reads every tensor back: guards intact, inputs unchanged. Called once the outputs are compared.</summary>
    public void Finish()
    {
        foreach (var t in _tensors)
        {
            var all = t.ReadAll(stream);
            if (t.CheckGuards(all) is { } guard)
                Fail(guard);
            if (!t.IsOutput && t.CheckUnchanged(all) is { } changed)
                Fail(changed);
        }
    }

    public void Dispose()
    {
        foreach (var t in _tensors)
            t.Dispose();
        for (int i = _owned.Count - 1; i >= 0; i--)
            _owned[i].Dispose();
    }

    private GuardedTensor Track(GuardedTensor t)
    {
        _tensors.Add(t);
        return t;
    }

    private static string At(int index, int cols) => cols > 1 ? $"[{index / cols}, {index % cols}]" : $"[{index}]";

    // Progress reports as they come (synchronously, from any thread): only the largest matters here.
    private sealed class MaxProgress : IProgress<long>
    {
        private long _max;

        public long Max => Interlocked.Read(ref _max);

        public void Report(long value)
        {
            long seen;
            while (value > (seen = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, value, seen) != seen)
            {
            }
        }
    }
}
