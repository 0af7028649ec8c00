// The CPU implementation of IComputeStream: ops run synchronously on the calling thread (a step needs no
// recording: BeginStep and SubmitStep do nothing), the heavy ones (matmul, attention) split over the
// device's worker pool, and the row ops (norm, RoPE, SwiGLU) too when a long prompt makes them big enough to
// pay for the hand-off. Device tensors are host memory: i32 step inputs are read in place. Tested against
// Core ReferenceOps.
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using Meridian.Backends.Cpu.Kernels;
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed unsafe partial class CpuComputeStream : IComputeStream
{
    private readonly WorkerPool _pool;
    private readonly MatMulJob _matMul;
    private readonly PagedAttentionJob _pagedAttention;
    private readonly RmsNormJob _rmsNorm = new();
    private readonly RopeJob _rope = new();
    private readonly GluJob<SwiGluOp> _swiGlu = new();
    private readonly GluJob<GeGluOp> _geGlu = new();

    /// <summary>Elements from which a row op is split over the pool (a decode step's rows stay on the caller:
    /// a few thousand elements take less time than waking a worker).</summary>
    internal const int ParallelElements = 1 << 16;

    public CpuComputeStream(CpuDevice device, WorkerPool pool)
    {
        Device = device;
        _pool = pool;
        _matMul = new MatMulJob(pool.ThreadCount);
        _pagedAttention = new PagedAttentionJob(pool.ThreadCount);
    }

    public IDevice Device { get; }

    public void BeginStep()
    {
    }

    public void SubmitStep()
    {
    }

    public void Synchronize()
    {
    }

    public void Write(ReadOnlySpan<byte> source, DeviceTensor dst)
    {
        if (source.Length != dst.ByteLength)
            ThrowTransfer("Write", source.Length, dst);
        source.CopyTo(new Span<byte>(Ptr(dst), source.Length));
    }

    public void Read(DeviceTensor src, Span<byte> destination)
    {
        if (destination.Length != src.ByteLength)
            ThrowTransfer("Read", destination.Length, src);
        new ReadOnlySpan<byte>(Ptr(src), destination.Length).CopyTo(destination);
    }

    public void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst)
    {
        Check(ids.Type == DType.I32 && ids.Cols == 1 && dst.Type == DType.F32 && dst.Rows == ids.Rows && dst.Cols == table.Cols,
              "EmbeddingLookup: ids must be [T, 1] i32 and dst [T, D] f32 for a [V, D] table");
        Check(QuantCodecs.CanDequantize(table.Type), "EmbeddingLookup: the table's dtype is not one the CPU decodes");
        var id = I32(ids);
        var output = F32(dst);
        byte* rows = Ptr(table);
        long rowBytes = table.RowBytes;
        for (int t = 0; t < id.Length; t++)
        {
            if ((uint)id[t] >= (uint)table.Rows)
                throw new MeridianException($"token id {id[t]} is outside the embedding table of {table.Rows} rows");
            RowDecoder.Decode(table.Type, new ReadOnlySpan<byte>(rows + id[t] * rowBytes, (int)rowBytes), output.Slice(t * dst.Cols, dst.Cols));
        }
    }

    public void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y)
    {
        // The message names the shapes, so it is built only on failure (an interpolated string per call
        // was most of the decode step's allocations).
        if (!(x.Cols == w.Cols && y.Rows == x.Rows && y.Cols == w.Rows && x.Type == DType.F32 && y.Type == DType.F32))
            ThrowMatMulShapes(w, x, y);
        _matMul.Begin(P32(x), x.Rows, x.Cols);
        AddWeight(w, y);
        RunMatMul(x.Rows);
    }

    public void MatMulShared(DeviceTensor x, ReadOnlySpan<DeviceTensor> ws, ReadOnlySpan<DeviceTensor> ys)
    {
        Check(ws.Length == ys.Length && ws.Length <= MatMulJob.MaxSegments, "MatMulShared: one output per weight, at most 4");
        _matMul.Begin(P32(x), x.Rows, x.Cols);
        for (int i = 0; i < ws.Length; i++)
        {
            DeviceTensor w = ws[i], y = ys[i];
            if (!(x.Cols == w.Cols && y.Rows == x.Rows && y.Cols == w.Rows && x.Type == DType.F32 && y.Type == DType.F32))
                ThrowMatMulShapes(w, x, y);
            AddWeight(w, y);
        }
        RunMatMul(x.Rows);
    }

    // A weight in its file layout, or packed by CpuDevice.LoadWeights (MatMulOnly: the whole buffer, rows of packed groups).
    private void AddWeight(DeviceTensor w, DeviceTensor y)
    {
        var buffer = (CpuBuffer)w.Buffer;
        if (!buffer.Packed)
        {
            _matMul.Add(w.Type, Ptr(w), w.RowBytes, w.Rows, P32(y), packed: false);
            return;
        }
        long rowBytes = WeightPacking.RowBytes(w.Type, w.Cols);
        if (w.ByteOffset != 0 || rowBytes * w.Rows > buffer.ByteLength)
            throw new ArgumentException($"MatMul: a packed weight is used whole; this tensor is [{w.Rows},{w.Cols}] at byte {w.ByteOffset} of a {buffer.ByteLength}-byte buffer");
        _matMul.Add(w.Type, buffer.Pointer, rowBytes, w.Rows, P32(y), packed: true);
    }

    private void RunMatMul(int tokens)
    {
        if (_matMul.Prepare())
            _pool.For(tokens, _matMul.Activations);
        _pool.For(_matMul.Rows, _matMul);
    }

    public void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst)
    {
        int c = weight.Cols;
        Check(x.Type == DType.F32 && weight.Type == DType.F32 && dst.Type == DType.F32
              && (c == 0 ? x.Cols == 0 : x.Cols % c == 0 && (long)dst.Rows * dst.Cols == (long)x.Rows * x.Cols), "RmsNorm: shapes");
        if (c == 0)
            return;
        _rmsNorm.Set(P32(x), P32(weight), eps, P32(dst), c);
        Rows(x.Rows * (x.Cols / c), (long)x.Rows * x.Cols, _rmsNorm);
    }

    public void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec)
    {
        Check(x.Type == DType.F32 && positions.Type == DType.I32 && positions.Cols == 1 && x.Rows == positions.Rows
              && spec.HeadDim > 0 && x.Cols % spec.HeadDim == 0 && spec.HeadDim % 2 == 0
              && spec.RotaryDims > 0 && spec.RotaryDims % 2 == 0 && spec.RotaryDims <= spec.HeadDim
              && (spec.FreqFactors is null || spec.FreqFactors.Length == spec.RotaryDims / 2),
              "Rope: x must be [T, H·Dh] f32 with even Dh, an even rotary width up to Dh, R/2 frequency factors and positions [T, 1] i32");
        _rope.Set(P32(x), x.Cols, I32(positions), spec);
        Rows(x.Rows, (long)x.Rows * x.Cols, _rope);
    }

    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        long n = (long)dst.Rows * dst.Cols;
        Check(gate.Type == DType.F32 && up.Type == DType.F32 && dst.Type == DType.F32
              && (long)gate.Rows * gate.Cols == n && (long)up.Rows * up.Cols == n, "SwiGlu: shapes");
        _swiGlu.Set(P32(gate), P32(up), P32(dst), dst.Cols);
        Rows(dst.Rows, n, _swiGlu);
    }

    public void GeGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        long n = (long)dst.Rows * dst.Cols;
        Check(gate.Type == DType.F32 && up.Type == DType.F32 && dst.Type == DType.F32
              && (long)gate.Rows * gate.Cols == n && (long)up.Rows * up.Cols == n, "GeGlu: shapes");
        _geGlu.Set(P32(gate), P32(up), P32(dst), dst.Cols);
        Rows(dst.Rows, n, _geGlu);
    }

    public void Scale(DeviceTensor x, float scale, DeviceTensor dst)
    {
        Check(x.Type == DType.F32 && dst.Type == DType.F32 && x.ByteLength == dst.ByteLength, "Scale: x and dst must be f32 of one size");
        TensorPrimitives.Multiply(F32(x), scale, F32(dst));
    }

    public void Softcap(DeviceTensor x, float cap, DeviceTensor dst)
    {
        Check(x.Type == DType.F32 && dst.Type == DType.F32 && x.ByteLength == dst.ByteLength && cap > 0 && float.IsFinite(cap),
            "Softcap: x and dst must be f32 of one size and cap positive and finite");
        var d = F32(dst);
        TensorPrimitives.Multiply(F32(x), 1f / cap, d);
        TensorPrimitives.Tanh(d, d);
        TensorPrimitives.Multiply(d, cap, d);
    }

    public void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst)
    {
        Check(a.Type == DType.F32 && b.Type == DType.F32 && dst.Type == DType.F32 && b.Cols == a.Cols
              && (b.Rows == a.Rows || b.Rows == 1) && dst.Rows == a.Rows && dst.Cols == a.Cols, "Add: shapes");
        if (b.Rows == a.Rows)
        {
            TensorPrimitives.Add(F32(a), F32(b), F32(dst));
            return;
        }
        var bias = F32(b);
        for (int r = 0; r < a.Rows; r++)
            TensorPrimitives.Add(F32(a).Slice(r * a.Cols, a.Cols), bias, F32(dst).Slice(r * a.Cols, a.Cols));
    }

    public void Softmax(DeviceTensor x)
    {
        Check(x.Type == DType.F32, "Softmax: x must be f32");
        var s = F32(x);
        for (int r = 0; r < x.Rows; r++)
        {
            var row = s.Slice(r * x.Cols, x.Cols);
            if (row.Length > 0)
                TensorPrimitives.SoftMax(row, row);
        }
    }

    public void Copy(DeviceTensor src, DeviceTensor dst)
    {
        Check(src.Type == dst.Type && src.ByteLength == dst.ByteLength, "Copy: src and dst must have the same dtype and byte length");
        Buffer.MemoryCopy(Ptr(src), Ptr(dst), dst.ByteLength, src.ByteLength);
    }

    public void Dispose()
    {
        _moeScratch?.Dispose();
        _matMul.Dispose();
        _pagedAttention.Dispose();
    }

    // A row job on the caller, or over the pool when it is big enough.
    private void Rows(int rows, long elements, IParallelJob job)
    {
        if (rows > 1 && elements >= ParallelElements)
            _pool.For(rows, job);
        else
            job.Run(0, rows, 0);
    }

    /// <summary>
    /// The first byte of <paramref name="t"/>, after checking the view lies inside its buffer (a view past the end
    /// would read or write memory that is not the buffer's) and that the buffer is not a packed matmul weight.
    /// </summary>
    private static byte* Ptr(DeviceTensor t)
    {
        var buffer = (CpuBuffer)t.Buffer;
        if (buffer.Packed || buffer.Pointer == null)
            ThrowUnreadable(t, buffer);
        long room = buffer.ByteLength - t.ByteOffset, elements = (long)t.Rows * t.Cols;
        bool inside = t.ByteOffset >= 0 && room >= 0 && t.Rows >= 0 && t.Cols >= 0 && t.Type switch
        {
            // The common dtypes without a table look-up: these checks run for every tensor of every op.
            DType.F32 or DType.I32 => elements <= room / 4,
            DType.F16 => elements <= room / 2,
            _ => t.ByteLength <= room,
        };
        if (!inside)
            ThrowOutside(t, buffer);
        return buffer.Pointer + t.ByteOffset;
    }

    private static float* P32(DeviceTensor t) => (float*)Ptr(t);

    private static Span<float> F32(DeviceTensor t) => new(Ptr(t), checked(t.Rows * t.Cols));

    private static ReadOnlySpan<int> I32(DeviceTensor t) => new(Ptr(t), checked(t.Rows * t.Cols));

    private static void Check(bool condition, string message)
    {
        if (!condition)
            Throw(message);
    }

    [DoesNotReturn]
    private static void Throw(string message) => throw new ArgumentException(message);

    [DoesNotReturn]
    private static void ThrowUnreadable(DeviceTensor t, CpuBuffer buffer) => throw (buffer.Packed
        ? (Exception)new ArgumentException($"a {t.Type.Name()} [{t.Rows},{t.Cols}] weight loaded with WeightUse.MatMulOnly is in the CPU backend's packed layout: only MatMul reads it")
        : new ObjectDisposedException(nameof(CpuBuffer), $"a {t.Type.Name()} [{t.Rows},{t.Cols}] tensor's buffer was disposed"));

    [DoesNotReturn]
    private static void ThrowOutside(DeviceTensor t, CpuBuffer buffer) =>
        throw new ArgumentException($"a {t.Type.Name()} [{t.Rows},{t.Cols}] tensor at byte {t.ByteOffset} does not fit its {buffer.ByteLength}-byte buffer");

    [DoesNotReturn]
    private static void ThrowTransfer(string op, int bytes, DeviceTensor t) =>
        throw new ArgumentException($"{op}: {bytes} host bytes for a {t.Type.Name()} [{t.Rows},{t.Cols}] tensor of {t.ByteLength} bytes");

    [DoesNotReturn]
    private static void ThrowMatMulShapes(DeviceTensor w, DeviceTensor x, DeviceTensor y) =>
        throw new ArgumentException($"MatMul: shapes w[{w.Rows},{w.Cols}] x[{x.Rows},{x.Cols}] y[{y.Rows},{y.Cols}]");
}
