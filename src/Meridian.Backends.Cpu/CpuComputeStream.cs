// The CPU implementation of IComputeStream: ops run synchronously on the calling thread, the heavy
// ones (matmul, attention) split over the device's worker pool, and the row ops (norm, RoPE, SwiGLU)
// too when a long prompt makes them big enough to pay for the hand-off. Tested against Core ReferenceOps.
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using Meridian.Backends.Cpu.Kernels;
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed unsafe partial class CpuComputeStream : IComputeStream
{
    private readonly WorkerPool _pool;
    private readonly MatMulJob _matMul;
    private readonly AttentionJob _attention;
    private readonly PagedAttentionJob _pagedAttention;
    private readonly RmsNormJob _rmsNorm = new();
    private readonly RopeJob _rope = new();
    private readonly SwiGluJob _swiGlu = new();

    /// <summary>Elements from which a row op is split over the pool (a decode step's rows stay on the caller:
    /// a few thousand elements take less time than waking a worker).</summary>
    internal const int ParallelElements = 1 << 16;

    public CpuComputeStream(CpuDevice device, WorkerPool pool)
    {
        Device = device;
        _pool = pool;
        _matMul = new MatMulJob(pool.ThreadCount);
        _attention = new AttentionJob(pool.ThreadCount);
        _pagedAttention = new PagedAttentionJob(pool.ThreadCount);
    }

    public IDevice Device { get; }

    public void EmbeddingLookup(DeviceTensor table, ReadOnlySpan<int> ids, DeviceTensor dst)
    {
        Check(dst.Rows == ids.Length && dst.Cols == table.Cols && dst.Type == DType.F32, "EmbeddingLookup: dst must be [T, D] f32");
        long rowBytes = table.RowBytes;
        for (int t = 0; t < ids.Length; t++)
        {
            if ((uint)ids[t] >= (uint)table.Rows)
                throw new MeridianException($"token id {ids[t]} is outside the embedding table of {table.Rows} rows");
            RowDecoder.Decode(table.Type, new ReadOnlySpan<byte>(Ptr(table) + ids[t] * rowBytes, (int)rowBytes), F32(dst).Slice(t * dst.Cols, dst.Cols));
        }
    }

    public void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y)
    {
        // The message names the shapes, so it is built only on failure (an interpolated string per call
        // was most of the decode step's allocations).
        if (!(x.Cols == w.Cols && y.Rows == x.Rows && y.Cols == w.Rows && x.Type == DType.F32 && y.Type == DType.F32))
            ThrowMatMulShapes(w, x, y);
        _matMul.Begin((float*)Ptr(x), x.Rows, x.Cols);
        AddWeight(w, y);
        RunMatMul(x.Rows);
    }

    public void MatMulShared(DeviceTensor x, ReadOnlySpan<DeviceTensor> ws, ReadOnlySpan<DeviceTensor> ys)
    {
        Check(ws.Length == ys.Length && ws.Length <= MatMulJob.MaxSegments, "MatMulShared: one output per weight, at most 4");
        _matMul.Begin((float*)Ptr(x), x.Rows, x.Cols);
        for (int i = 0; i < ws.Length; i++)
        {
            DeviceTensor w = ws[i], y = ys[i];
            if (!(x.Cols == w.Cols && y.Rows == x.Rows && y.Cols == w.Rows && x.Type == DType.F32 && y.Type == DType.F32))
                ThrowMatMulShapes(w, x, y);
            AddWeight(w, y);
        }
        RunMatMul(x.Rows);
    }

    // A weight in its file layout, or packed by CpuDevice.LoadMatMulWeights (the whole buffer, rows of packed groups).
    private void AddWeight(DeviceTensor w, DeviceTensor y)
    {
        var buffer = (CpuBuffer)w.Buffer;
        if (!buffer.Packed)
        {
            _matMul.Add(w.Type, Ptr(w), w.RowBytes, w.Rows, (float*)Ptr(y), packed: false);
            return;
        }
        long rowBytes = WeightPacking.RowBytes(w.Type, w.Cols);
        if (w.ByteOffset != 0 || rowBytes * w.Rows > buffer.ByteLength)
            throw new ArgumentException($"MatMul: a packed weight is used whole; this tensor is [{w.Rows},{w.Cols}] at byte {w.ByteOffset} of a {buffer.ByteLength}-byte buffer");
        _matMul.Add(w.Type, buffer.Pointer, rowBytes, w.Rows, (float*)Ptr(y), packed: true);
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
        Check(c == 0 ? x.Cols == 0 : x.Cols % c == 0 && dst.Rows * dst.Cols == x.Rows * x.Cols, "RmsNorm: shapes");
        if (c == 0)
            return;
        _rmsNorm.Set(P32(x), P32(weight), eps, P32(dst), c);
        Rows(x.Rows * (x.Cols / c), (long)x.Rows * x.Cols, _rmsNorm);
    }

    public void Rope(DeviceTensor x, ReadOnlySpan<int> positions, RopeSpec spec)
    {
        Check(x.Rows == positions.Length && spec.HeadDim > 0 && x.Cols % spec.HeadDim == 0 && spec.HeadDim % 2 == 0,
              "Rope: x must be [T, H·Dh] with even Dh");
        _rope.Set(P32(x), x.Cols, positions, spec);
        Rows(x.Rows, (long)x.Rows * x.Cols, _rope);
    }

    public void Attention(DeviceTensor q, DeviceTensor keys, DeviceTensor values, int startPos, int numHeads, int numKvHeads, DeviceTensor dst)
    {
        int dh = q.Cols / numHeads;
        Check(numHeads % numKvHeads == 0 && q.Cols == numHeads * dh && keys.Cols == numKvHeads * dh && values.Cols == keys.Cols
              && startPos + q.Rows <= keys.Rows && dst.Rows == q.Rows && dst.Cols == q.Cols, "Attention: shapes");
        _attention.Set((float*)Ptr(q), (float*)Ptr(keys), (float*)Ptr(values), (float*)Ptr(dst), q.Rows, startPos, numHeads, numKvHeads, dh, keys.Rows);
        _pool.For(_attention.Items, _attention);
    }

    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        Check(gate.Rows * gate.Cols == dst.Rows * dst.Cols && up.Rows * up.Cols == dst.Rows * dst.Cols, "SwiGlu: shapes");
        _swiGlu.Set(P32(gate), P32(up), P32(dst), dst.Cols);
        Rows(dst.Rows, (long)dst.Rows * dst.Cols, _swiGlu);
    }

    public void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst)
    {
        Check(b.Cols == a.Cols && (b.Rows == a.Rows || b.Rows == 1) && dst.Rows == a.Rows && dst.Cols == a.Cols, "Add: shapes");
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
        Check(src.ByteLength == dst.ByteLength, "Copy: byte lengths differ");
        Buffer.MemoryCopy(Ptr(src), Ptr(dst), dst.ByteLength, src.ByteLength);
    }

    public void Upload(ReadOnlySpan<float> src, DeviceTensor dst)
    {
        Check(dst.Type == DType.F32 && src.Length == dst.Rows * dst.Cols, "Upload: length");
        src.CopyTo(F32(dst));
    }

    public void Download(DeviceTensor src, Span<float> dst)
    {
        Check(src.Type == DType.F32 && dst.Length == src.Rows * src.Cols, "Download: length");
        F32(src).CopyTo(dst);
    }

    public void Synchronize()
    {
    }

    public void Dispose()
    {
        _matMul.Dispose();
        _attention.Dispose();
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

    [DoesNotReturn]
    private static void ThrowPacked(DeviceTensor t) =>
        throw new ArgumentException($"a {t.Type.Name()} [{t.Rows},{t.Cols}] weight loaded with LoadMatMulWeights is in the CPU backend's packed layout: only MatMul reads it");

    private static byte* Ptr(DeviceTensor t)
    {
        var buffer = (CpuBuffer)t.Buffer;
        if (buffer.Packed)
            ThrowPacked(t);
        Debug.Assert(t.ByteOffset + t.ByteLength <= buffer.ByteLength);
        return buffer.Pointer + t.ByteOffset;
    }

    private static float* P32(DeviceTensor t)
    {
        Debug.Assert(t.Type == DType.F32);
        return (float*)Ptr(t);
    }

    private static Span<float> F32(DeviceTensor t)
    {
        Debug.Assert(t.Type == DType.F32);
        return new Span<float>(Ptr(t), checked(t.Rows * t.Cols));
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
            Throw(message);
    }

    private static void Throw(string message) => throw new ArgumentException(message);

    private static void ThrowMatMulShapes(DeviceTensor w, DeviceTensor x, DeviceTensor y) =>
        throw new ArgumentException($"MatMul: shapes w[{w.Rows},{w.Cols}] x[{x.Rows},{x.Cols}] y[{y.Rows},{y.Cols}]");
}
