// The row-indexed ops of the CPU stream: ScatterRows (new keys and values into their f32 or f16 cache slots,
// vLLM's reshape_and_cache), GatherRows (the rows whose logits a step wants) and ArgMax (greedy decoding).
// Row indexes are i32 tensors read in place and checked before any row moves, so a bad index is an exception
// naming it, never a write outside the destination. Messages are built only on failure.
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal sealed unsafe partial class CpuComputeStream
{
    private int[] _scatterCheck = []; // [T] sorted copy of ScatterRows' rows, to find repeats without allocating

    public void ScatterRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
    {
        Check(src.Type == DType.F32 && dst.Type is DType.F32 or DType.F16 && src.Cols == dst.Cols
              && rows.Type == DType.I32 && rows.Cols == 1 && src.Rows == rows.Rows,
              "ScatterRows: src must be [T, C] f32, rows [T, 1] i32 and dst [R, C] f32 or f16");
        var index = I32(rows);
        if (_scatterCheck.Length < index.Length)
            _scatterCheck = new int[Math.Max(index.Length, 2 * _scatterCheck.Length)]; // grows once per largest T
        var sorted = _scatterCheck.AsSpan(0, index.Length);
        index.CopyTo(sorted);
        sorted.Sort();
        for (int i = 0; i < sorted.Length; i++)
        {
            if ((uint)sorted[i] >= (uint)dst.Rows)
                ThrowRowIndex("ScatterRows", "source", "destination", index, sorted[i], dst.Rows);
            if (i > 0 && sorted[i] == sorted[i - 1])
                Throw($"ScatterRows: destination row {sorted[i]} is written twice");
        }
        int c = src.Cols;
        float* from = P32(src);
        byte* to = Ptr(dst);
        if (dst.Type == DType.F32)
        {
            for (int i = 0; i < index.Length; i++)
                Buffer.MemoryCopy(from + (long)i * c, (float*)to + (long)index[i] * c, c * sizeof(float), c * sizeof(float));
            return;
        }
        // f32 -> f16, round to nearest even as the (Half) cast (ScatterRowsF16Reference), vectorised.
        for (int i = 0; i < index.Length; i++)
            TensorPrimitives.ConvertToHalf(new ReadOnlySpan<float>(from + (long)i * c, c), new Span<Half>((Half*)to + (long)index[i] * c, c));
    }

    public void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
    {
        Check(src.Type == DType.F32 && dst.Type == DType.F32 && src.Cols == dst.Cols
              && rows.Type == DType.I32 && rows.Cols == 1 && dst.Rows == rows.Rows,
              "GatherRows: src must be [R, C] f32, rows [N, 1] i32 and dst [N, C] f32");
        var index = I32(rows);
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)src.Rows)
                ThrowRowIndex("GatherRows", "destination", "source", index, index[i], src.Rows);
        }
        int c = src.Cols;
        float* from = P32(src), to = P32(dst);
        for (int i = 0; i < index.Length; i++)
            Buffer.MemoryCopy(from + (long)index[i] * c, to + (long)i * c, c * sizeof(float), c * sizeof(float));
    }

    public void ArgMax(DeviceTensor x, DeviceTensor dst)
    {
        Check(x.Type == DType.F32 && dst.Type == DType.I32 && dst.Cols == 1 && dst.Rows == x.Rows,
              "ArgMax: x must be [R, C] f32 and dst [R, 1] i32");
        float* from = P32(x);
        int* to = (int*)Ptr(dst);
        for (int r = 0; r < x.Rows; r++)
            to[r] = ArgMaxKernel.IndexOfMax(from + (long)r * x.Cols, x.Cols);
    }

    [DoesNotReturn]
    private static void ThrowRowIndex(string op, string side, string indexed, ReadOnlySpan<int> index, int row, int rows) =>
        Throw($"{op}: {side} row {index.IndexOf(row)} names {indexed} row {row}, outside [0, {rows})");
}
