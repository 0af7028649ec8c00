// Row movement and selection, all bit-exact: ScatterRows (f32 rows into an F32 or F16 cache at shuffled
// distinct rows, the rest of the cache unchanged; F16 rounds to nearest even as ScatterRowsF16Reference does),
// GatherRows (rows by index, with repeats), Copy (any dtype, between buffers and between rows of one buffer:
// copy-on-write of a KV block), ArgMax (ties to the lowest index, NaN never wins, a row of NaN gives 0).
using System.Runtime.InteropServices;
using Meridian.Conformance.Inputs;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Ops;

internal static class RowCases
{
    public static IEnumerable<OpCase> ScatterRows(DType type)
    {
        yield return Scatter(type, t: 1, cols: 64, cacheRows: 128);
        yield return Scatter(type, t: 7, cols: 160, cacheRows: 128);
        yield return Scatter(type, t: 61, cols: 1024, cacheRows: 128);
    }

    public static IEnumerable<OpCase> GatherRows()
    {
        yield return Gather(n: 1, cols: 1, srcRows: 50);
        yield return Gather(n: 7, cols: 512, srcRows: 50);
        yield return Gather(n: 61, cols: 4099, srcRows: 50);
    }

    public static IEnumerable<OpCase> Copy(DType type)
    {
        int cols = 3 * type.Info().BlockSize;
        yield return CopyBetween(type, rows: 16, cols);
        yield return CopyWithin(type, blockRows: 8, cols);
    }

    public static IEnumerable<OpCase> ArgMax()
    {
        yield return ArgMaxCase(1, 1);
        yield return ArgMaxCase(7, 512);
        yield return ArgMaxCase(4, 32000);
        yield return ArgMaxCase(61, 37);
    }

    private static OpCase Scatter(DType type, int t, int cols, int cacheRows) =>
        new(BackendOp.ScatterRows, type, $"[{t}, {cols}] into [{cacheRows}, {cols}]", c =>
        {
            var src = InputData.Uniform(c.Rng, t * cols);
            var rows = InputData.Distinct(c.Rng, t, cacheRows);
            var before = InputData.Uniform(c.Rng, cacheRows * cols);
            byte[] initial = type == DType.F16 ? InputData.ToF16Bytes(before) : MemoryMarshal.AsBytes(before.AsSpan()).ToArray();
            var srcTensor = c.InputF32("src", t, cols, src);
            var rowTensor = c.InputI32("rows", rows);
            var cache = c.Written(c.Input("cache", type, cacheRows, cols, initial, BufferUsage.KvCache));
            c.Step(s => s.ScatterRows(srcTensor.Tensor, rowTensor.Tensor, cache.Tensor));
            var expected = (byte[])initial.Clone();
            if (type == DType.F16)
                ReferenceOps.ScatterRowsF16Reference(src, rows, cols, MemoryMarshal.Cast<byte, Half>(expected.AsSpan()));
            else
                ReferenceOps.ScatterRowsReference<float>(src, rows, cols, MemoryMarshal.Cast<byte, float>(expected.AsSpan()));
            ExpectSameBits(c, "cache", type, c.ReadBytes(cache), expected, cols);
        });

    private static OpCase Gather(int n, int cols, int srcRows) => new(BackendOp.GatherRows, DType.F32, $"{n} of [{srcRows}, {cols}]", c =>
    {
        var values = InputData.Uniform(c.Rng, srcRows * cols);
        var rows = InputData.Indexes(c.Rng, n, srcRows);
        rows[0] = srcRows - 1;
        var src = c.InputF32("src", srcRows, cols, values);
        var rowTensor = c.InputI32("rows", rows);
        var dst = c.OutputF32("dst", n, cols);
        c.Step(s => s.GatherRows(src.Tensor, rowTensor.Tensor, dst.Tensor));
        var expected = new float[n * cols];
        ReferenceOps.GatherRowsReference(values, rows, cols, expected);
        ExpectSameBits(c, "dst", DType.F32, c.ReadBytes(dst), MemoryMarshal.AsBytes(expected.AsSpan()).ToArray(), cols);
    });

    private static OpCase CopyBetween(DType type, int rows, int cols) => new(BackendOp.Copy, type, $"[{rows}, {cols}] to another buffer", c =>
    {
        var bytes = InputData.AnyBytes(c.Rng, type, rows, cols);
        var src = c.Input("src", type, rows, cols, bytes, BufferUsage.KvCache);
        var dst = c.Written(c.Input("dst", type, rows, cols, InputData.AnyBytes(c.Rng, type, rows, cols), BufferUsage.KvCache));
        c.Step(s => s.Copy(src.Tensor, dst.Tensor));
        c.ExpectEqual("dst", c.ReadBytes(dst).AsSpan(), bytes, (int)type.ByteSize(cols));
    });

    // Rows [0, n) of a [4n, cols] tensor copied onto rows [2n, 3n) of the same buffer; the other rows stay.
    private static OpCase CopyWithin(DType type, int blockRows, int cols) =>
        new(BackendOp.Copy, type, $"rows 0..{blockRows - 1} onto rows {2 * blockRows}..{3 * blockRows - 1} of one [{4 * blockRows}, {cols}] buffer", c =>
        {
            int rowBytes = (int)type.ByteSize(cols);
            var bytes = InputData.AnyBytes(c.Rng, type, 4 * blockRows, cols);
            var cache = c.Written(c.Input("cache", type, 4 * blockRows, cols, bytes, BufferUsage.KvCache));
            c.Step(s => s.Copy(cache.Tensor.SliceRows(0, blockRows), cache.Tensor.SliceRows(2 * blockRows, blockRows)));
            var expected = (byte[])bytes.Clone();
            bytes.AsSpan(0, blockRows * rowBytes).CopyTo(expected.AsSpan(2 * blockRows * rowBytes));
            c.ExpectEqual("cache", c.ReadBytes(cache).AsSpan(), expected, rowBytes);
        });

    private static OpCase ArgMaxCase(int rows, int cols) => new(BackendOp.ArgMax, DType.F32, $"[{rows}, {cols}] with ties and NaN", c =>
    {
        var values = InputData.Uniform(c.Rng, rows * cols, -20f, 20f);
        if (cols > 2)
        {
            // Row 0: the top value twice (the lower index wins); row 1: NaN first and at a random place; row 2: all NaN.
            int a = c.Rng.Next(cols - 1), b = a + 1 + c.Rng.Next(cols - 1 - a);
            values[a] = values[b] = 25f;
            if (rows > 1)
            {
                values[cols] = float.NaN;
                values[cols + c.Rng.Next(cols)] = float.NaN;
            }
            if (rows > 2)
                values.AsSpan(2 * cols, cols).Fill(float.NaN);
        }
        var x = c.InputF32("x", rows, cols, values);
        var dst = c.OutputI32("dst", rows);
        c.Step(s => s.ArgMax(x.Tensor, dst.Tensor));
        var expected = new int[rows];
        ReferenceOps.ArgMaxReference(values, cols, expected);
        c.ExpectEqual("dst", c.ReadI32(dst).AsSpan(), expected, 1);
    });

    // Bit-for-bit: f32 as u32, f16 as u16, so -0 and NaN payloads count.
    private static void ExpectSameBits(Checking.CaseContext c, string what, DType type, byte[] actual, byte[] expected, int cols)
    {
        if (type == DType.F16)
            c.ExpectEqual(what, MemoryMarshal.Cast<byte, ushort>(actual.AsSpan()), MemoryMarshal.Cast<byte, ushort>(expected.AsSpan()), cols);
        else
            c.ExpectEqual(what, MemoryMarshal.Cast<byte, uint>(actual.AsSpan()), MemoryMarshal.Cast<byte, uint>(expected.AsSpan()), cols);
    }
}
