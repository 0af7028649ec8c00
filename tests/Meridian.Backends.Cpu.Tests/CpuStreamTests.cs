// CPU backend ops against the scalar ReferenceOps in Core: every length 0..257 for vector ops,
// misaligned starts (one float past the buffer start), each weight dtype for matmul, and the row ops
// (GatherRows, ArgMax, Copy) and byte transfers of contract v1.
using Meridian.Backends.Cpu.Kernels;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests;

public sealed class CpuStreamTests : IDisposable
{
    // TensorPrimitives sums in a different order (SIMD lanes) than the in-order scalar loops,
    // and uses its own exp; a few ulps per element, relative to magnitudes near 1.
    private const float ElementwiseTolerance = 1e-5f;
    private const float DotTolerance = 1e-4f;
    // RoPE: same tables and the reference's rounding order (no fused multiply-add), so only the sign of
    // zero could differ; a tolerance still guards against a JIT that contracts a·b + c.
    private const float RopeTolerance = 1e-6f;

    private readonly CpuDevice _device = new(threads: 3);
    private readonly IComputeStream _stream;

    public CpuStreamTests() => _stream = _device.CreateStream();

    public void Dispose()
    {
        _stream.Dispose();
        _device.Dispose();
    }

    [Fact]
    public void RmsNorm_AllLengths_MatchReference()
    {
        for (int n = 0; n <= 257; n++)
        {
            float[] x = Random(2 * n, n), w = Random(n, n + 1000);
            var expected = new float[2 * n];
            ReferenceOps.RmsNormReference(x, w, 1e-5f, expected);
            var tx = Put(x, 2, n);
            _stream.RmsNorm(tx, Put(w, 1, n), 1e-5f, tx);
            AssertClose(expected, Get(tx), ElementwiseTolerance, $"n={n}");
        }
    }

    [Fact]
    public void SwiGluAddSoftmax_AllLengths_MatchReference()
    {
        for (int n = 0; n <= 257; n++)
        {
            float[] a = Random(n, n), b = Random(n, n + 7);
            var expected = new float[n];
            ReferenceOps.SwiGluReference(a, b, expected);
            var ta = Put(a, 1, n);
            _stream.SwiGlu(ta, Put(b, 1, n), ta);
            AssertClose(expected, Get(ta), ElementwiseTolerance, $"swiglu n={n}");

            ReferenceOps.AddReference(a, b, expected);
            ta = Put(a, 1, n);
            _stream.Add(ta, Put(b, 1, n), ta);
            AssertClose(expected, Get(ta), ElementwiseTolerance, $"add n={n}");

            a.CopyTo(expected, 0);
            ReferenceOps.SoftmaxReference(expected, n);
            ta = Put(a, 1, n);
            _stream.Softmax(ta);
            AssertClose(expected, Get(ta), ElementwiseTolerance, $"softmax n={n}");
        }
    }

    [Fact]
    public void Add_BroadcastRow_MatchesReference()
    {
        float[] a = Random(3 * 17, 1), bias = Random(17, 2);
        var expected = new float[a.Length];
        ReferenceOps.AddReference(a, bias, expected);
        var ta = Put(a, 3, 17);
        _stream.Add(ta, Put(bias, 1, 17), ta);
        AssertClose(expected, Get(ta), ElementwiseTolerance, "broadcast");
    }

    [Theory]
    [InlineData(RopeLayout.Interleaved, false)]
    [InlineData(RopeLayout.RotateHalf, false)]
    [InlineData(RopeLayout.RotateHalf, true)]
    public void Rope_BothLayouts_MatchReference(RopeLayout layout, bool llama3)
    {
        const int dh = 16, heads = 3, t = 5;
        var spec = new RopeSpec(dh, 10000f, layout, llama3 ? RopeSpec.Llama3FreqFactors(dh, 500000f, 8f, 1f, 4f, 64) : null);
        float[] x = Random(t * heads * dh, 3);
        int[] positions = [0, 1, 7, 100, 511];
        var expected = (float[])x.Clone();
        ReferenceOps.RopeReference(expected, positions, spec);
        var tx = Put(x, t, heads * dh);
        _stream.Rope(tx, _stream.PutI32(positions), spec);
        AssertClose(expected, Get(tx), RopeTolerance, layout.ToString());
    }

    [Theory]
    [InlineData(RopeLayout.Interleaved, false)]
    [InlineData(RopeLayout.RotateHalf, false)]
    [InlineData(RopeLayout.RotateHalf, true)]
    public void Rope_AllHeadDims_MatchReference(RopeLayout layout, bool llama3)
    {
        // Every even head dim up to 256: each vector width, and every scalar tail after it.
        int[] positions = [0, 3, 1000];
        for (int dh = 2; dh <= 256; dh += 2)
        {
            var spec = new RopeSpec(dh, 10000f, layout, llama3 ? RopeSpec.Llama3FreqFactors(dh, 500000f, 8f, 1f, 4f, 64) : null);
            float[] x = Random(positions.Length * 2 * dh, dh);
            var expected = (float[])x.Clone();
            ReferenceOps.RopeReference(expected, positions, spec);
            var tx = Put(x, positions.Length, 2 * dh);
            _stream.Rope(tx, _stream.PutI32(positions), spec);
            AssertClose(expected, Get(tx), RopeTolerance, $"{layout} dh={dh}");
        }
    }

    [Fact]
    public void Rope_TableKeptAcrossCalls_RebuiltWhenPositionsOrSpecChange()
    {
        // The cos/sin table is kept between calls; each call here changes one thing it depends on.
        var interleaved = new RopeSpec(8, 10000f, RopeLayout.Interleaved);
        var rotateHalf = new RopeSpec(8, 10000f, RopeLayout.RotateHalf);
        var calls = new (int[] Positions, RopeSpec Spec)[]
        {
            ([4, 5], interleaved), ([4, 5], interleaved), ([4, 6], interleaved), ([4], interleaved),
            ([4], rotateHalf), ([4], interleaved with { Theta = 500000f }), ([9, 4, 5], interleaved),
        };
        for (int c = 0; c < calls.Length; c++)
        {
            var (positions, spec) = calls[c];
            float[] x = Random(positions.Length * 16, 40 + c);
            var expected = (float[])x.Clone();
            ReferenceOps.RopeReference(expected, positions, spec);
            var tx = Put(x, positions.Length, 16);
            _stream.Rope(tx, _stream.PutI32(positions), spec);
            AssertClose(expected, Get(tx), RopeTolerance, $"call {c}");
        }
    }

    [Fact]
    public void RowOps_LongPrompt_SplitOverPoolAndMatchReference()
    {
        // Big enough (>= ParallelElements) that the stream splits each op over its 3 workers.
        const int t = 80, d = 1024, dh = 64;
        Assert.True(t * d >= CpuComputeStream.ParallelElements);
        float[] x = Random(t * d, 50), w = Random(d, 51), up = Random(t * d, 52);
        var expected = new float[t * d];

        ReferenceOps.RmsNormReference(x, w, 1e-6f, expected);
        var tx = Put(x, t, d);
        _stream.RmsNorm(tx, Put(w, 1, d), 1e-6f, tx);
        AssertClose(expected, Get(tx), ElementwiseTolerance, "rmsnorm");

        ReferenceOps.SwiGluReference(x, up, expected);
        var tg = Put(x, t, d);
        _stream.SwiGlu(tg, Put(up, t, d), tg);
        AssertClose(expected, Get(tg), ElementwiseTolerance, "swiglu");

        var spec = new RopeSpec(dh, 10000f, RopeLayout.Interleaved);
        int[] positions = Enumerable.Range(300, t).ToArray();
        x.CopyTo(expected, 0);
        ReferenceOps.RopeReference(expected, positions, spec);
        var tr = Put(x, t, d);
        _stream.Rope(tr, _stream.PutI32(positions), spec);
        AssertClose(expected, Get(tr), RopeTolerance, "rope");
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void MatMul_EachDType_MatchesReference(DType type)
    {
        int k = type.Info().BlockSize == 256 ? 512 : 96, n = 37, t = 3;
        float[] wf = Random(n * k, 11);
        var wq = GC.AllocateArray<byte>((int)type.ByteSize(n * k), pinned: true);
        QuantCodecs.QuantizeReference(type, wf, wq);
        float[] x = Random(t * k, 12);
        var expected = new float[t * n];
        // Types with an int8 kernel see x quantized per 32-block (ActivationQuantReference): the
        // reference gets the same activations, so the tolerance stays a summation-order one.
        float[] xSeen = x;
        if (MatMulKernels.ActivationsFor(type, k) == ActFormat.Q8)
        {
            xSeen = new float[x.Length];
            var qs = new sbyte[k];
            var d = new float[k / 32];
            var sums = new int[k / 32];
            for (int i = 0; i < t; i++)
            {
                ActivationQuantReference.Quantize(x.AsSpan(i * k, k), 32, 32, qs, d, sums);
                ActivationQuantReference.Dequantize(qs, d, 32, xSeen.AsSpan(i * k, k));
            }
        }
        ReferenceOps.MatMulReference(type, wq, n, k, xSeen, expected);
        var w = new DeviceTensor(_device.LoadWeights(TestTensors.Weight(wq, type, n, k), WeightUse.Any), 0, type, n, k);
        var y = Put(new float[t * n], t, n);
        _stream.MatMul(w, Put(x, t, k), y);
        AssertClose(expected, Get(y), DotTolerance * MathF.Sqrt(k), type.Name());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void MatMulShared_MixedTypes_EqualsSeparateMatMuls(int t)
    {
        // One shared-input call over weights of different types (a kernel type, a decoded type, f32)
        // must give exactly what one MatMul per weight gives: same kernels, same sums.
        const int k = 320;
        DType[] types = [DType.Q4_0, DType.F16, DType.F32];
        int[] rows = [37, 5, 64];
        var ws = new DeviceTensor[3];
        for (int i = 0; i < 3; i++)
        {
            var wq = GC.AllocateArray<byte>((int)types[i].ByteSize(rows[i] * k), pinned: true);
            QuantCodecs.QuantizeReference(types[i], Random(rows[i] * k, 40 + i), wq);
            ws[i] = new DeviceTensor(_device.LoadWeights(TestTensors.Weight(wq, types[i], rows[i], k), WeightUse.Any), 0, types[i], rows[i], k);
        }
        var x = Put(Random(t * k, 50), t, k);
        var shared = new DeviceTensor[3];
        for (int i = 0; i < 3; i++)
            shared[i] = Put(new float[t * rows[i]], t, rows[i]);
        _stream.MatMulShared(x, ws, shared);
        for (int i = 0; i < 3; i++)
        {
            var alone = Put(new float[t * rows[i]], t, rows[i]);
            _stream.MatMul(ws[i], x, alone);
            Assert.Equal(Get(alone), Get(shared[i]));
        }
    }

    [Fact]
    public void EmbeddingLookup_F16_MatchesReference()
    {
        const int v = 10, d = 24;
        var table = GC.AllocateArray<byte>((int)DType.F16.ByteSize(v * d), pinned: true);
        QuantCodecs.QuantizeReference(DType.F16, Random(v * d, 5), table);
        int[] ids = [3, 0, 9, 3];
        var expected = new float[ids.Length * d];
        ReferenceOps.EmbeddingLookupReference(DType.F16, table, d, ids, expected);
        var dst = Put(new float[ids.Length * d], ids.Length, d);
        _stream.EmbeddingLookup(new DeviceTensor(_device.LoadWeights(TestTensors.Weight(table, DType.F16, v, d), WeightUse.Any), 0, DType.F16, v, d),
            _stream.PutI32(ids), dst);
        Assert.Equal(expected, Get(dst));
    }

    [Fact]
    public void GatherRows_AllLengths_MatchReference()
    {
        int[] rows = [4, 0, 4, 2]; // repeats are allowed: two logit rows may come from one position
        var index = _stream.PutI32(rows);
        for (int c = 0; c <= 257; c++)
        {
            float[] src = Random(5 * c, c);
            var expected = new float[rows.Length * c];
            ReferenceOps.GatherRowsReference(src, rows, c, expected);
            var dst = Put(new float[rows.Length * c], rows.Length, c);
            _stream.GatherRows(Put(src, 5, c), index, dst);
            Assert.Equal(expected, Get(dst));
        }
    }

    [Fact]
    public void GatherRows_RowOutsideSource_ThrowsNamingIt()
    {
        var src = Put(new float[5 * 3], 5, 3);
        var dst = Put(new float[2 * 3], 2, 3);
        var e = Assert.Throws<ArgumentException>(() => _stream.GatherRows(src, _stream.PutI32([1, 5]), dst));
        Assert.Contains("destination row 1 names source row 5, outside [0, 5)", e.Message);
        e = Assert.Throws<ArgumentException>(() => _stream.GatherRows(src, _stream.PutI32([-1, 0]), dst));
        Assert.Contains("source row -1", e.Message);
        Assert.Throws<ArgumentException>(() => _stream.GatherRows(src, _stream.PutI32([0, 1, 2]), dst));
    }

    [Fact]
    public void ArgMax_AllLengths_MatchReference()
    {
        // Per length, three rows: plain random values, the maximum repeated (ties), and NaNs sprinkled over
        // a row whose maximum also appears twice (every lane position of the vector passes, and the tail).
        var rng = new Random(9);
        for (int n = 0; n <= 257; n++)
        {
            float[] x = Random(3 * n, n + 500);
            if (n > 0)
            {
                float top = x.AsSpan(n, n).ToArray().Max();
                x[n + rng.Next(n)] = top;
                x[n + rng.Next(n)] = top;
                for (int i = 2 * n; i < 3 * n; i++)
                    x[i] = rng.Next(4) == 0 ? float.NaN : x[i];
                x[2 * n + rng.Next(n)] = 2f;
                x[2 * n + rng.Next(n)] = 2f;
            }
            var expected = new int[3];
            ReferenceOps.ArgMaxReference(x, n, expected);
            var dst = _stream.PutI32(new int[3]);
            _stream.ArgMax(Put(x, 3, n), dst);
            Assert.Equal(expected, _stream.GetI32(dst));
        }
    }

    [Fact]
    public void ArgMax_TiesNaNAndInfinities_MatchReference()
    {
        const float nan = float.NaN, inf = float.PositiveInfinity;
        float[][] rows =
        [
            [1, 3, 3, 2], [nan, nan, nan], [-inf, -inf], [nan, -inf, -inf], [-0f, 0f], [0f, -0f], [nan, 5, nan, 5],
            [inf, nan, inf], [-inf, nan, -3], [-inf], [nan],
            // Long rows: the vector passes see the NaN, the infinities and the tie.
            [.. Enumerable.Repeat(nan, 40)], [.. Enumerable.Repeat(-inf, 37)],
            [.. Enumerable.Range(0, 70).Select(i => i % 3 == 0 ? nan : i == 33 || i == 65 ? 9f : -inf)],
            [.. Enumerable.Range(0, 50).Select(i => i < 17 ? nan : i == 48 ? inf : -i)],
        ];
        foreach (var row in rows)
        {
            var expected = new int[1];
            ReferenceOps.ArgMaxReference(row, row.Length, expected);
            var dst = _stream.PutI32([-7]);
            _stream.ArgMax(Put(row, 1, row.Length), dst);
            Assert.True(expected[0] == _stream.GetI32(dst)[0], $"[{string.Join(", ", row)}]: expected {expected[0]}, got {_stream.GetI32(dst)[0]}");
        }
    }

    [Fact]
    public void Copy_EveryDTypeWithALayout_CopiesTheBytes()
    {
        var rng = new Random(4);
        foreach (var info in DTypes.All.Where(i => !i.IsRemoved))
        {
            Assert.True(_device.Supports(BackendOp.Copy, info.Type), info.Name);
            int cols = 2 * info.BlockSize;
            long bytes = info.Type.ByteSize(3L * cols);
            var src = new DeviceTensor(_device.Allocate(bytes + 8, BufferUsage.KvCache), 8, info.Type, 3, cols);
            var dst = new DeviceTensor(_device.Allocate(bytes + 3, BufferUsage.KvCache), 3, info.Type, 3, cols);
            var data = new byte[bytes];
            rng.NextBytes(data);
            _stream.Write(data, src);
            _stream.Copy(src, dst);
            var back = new byte[bytes];
            _stream.Read(dst, back);
            Assert.Equal(data, back);
        }
        var f32 = Put(new float[8], 2, 4);
        var e = Assert.Throws<ArgumentException>(() => _stream.Copy(f32, _stream.PutI32(new int[8], 2, 4)));
        Assert.Contains("same dtype", e.Message);
        Assert.Throws<ArgumentException>(() => _stream.Copy(f32, Put(new float[4], 1, 4)));
    }

    [Fact]
    public void WriteAndRead_WrongByteCounts_ThrowNamingTheTensor()
    {
        var t = Put(new float[6], 2, 3);
        var e = Assert.Throws<ArgumentException>(() => _stream.Write(new byte[20], t));
        Assert.Contains("Write: 20 host bytes for a f32 [2,3] tensor of 24 bytes", e.Message);
        e = Assert.Throws<ArgumentException>(() => _stream.Read(t, new byte[28]));
        Assert.Contains("Read: 28 host bytes", e.Message);
    }

    [Fact]
    public void Ops_ViewPastItsBuffer_AreRefused()
    {
        // A view the buffer does not hold (a model's bug, or a hostile shape) is an error, never a read past the end.
        var buffer = _device.Allocate(4 * 10, BufferUsage.Scratch);
        var past = DeviceTensor.F32(buffer, 3, 4); // 48 bytes of a 40-byte buffer
        var e = Assert.Throws<ArgumentException>(() => _stream.Softmax(past));
        Assert.Contains("does not fit its 40-byte buffer", e.Message);
        Assert.Throws<ArgumentException>(() => _stream.Softmax(DeviceTensor.F32(buffer, 2, 4, byteOffset: 12)));
        Assert.Throws<ArgumentException>(() => _stream.ArgMax(DeviceTensor.F32(buffer, 1, 4), new DeviceTensor(buffer, 36, DType.I32, 2, 1)));
        _stream.Softmax(DeviceTensor.F32(buffer, 2, 4, byteOffset: 8)); // the last 32 bytes: fits
    }

    // Places data one float past the start of a fresh buffer, so kernels see misaligned rows.
    private DeviceTensor Put(float[] data, int rows, int cols)
    {
        var buffer = _device.Allocate((data.Length + 1) * sizeof(float), BufferUsage.Scratch);
        var t = DeviceTensor.F32(buffer, rows, cols, byteOffset: sizeof(float));
        _stream.Upload(data, t);
        return t;
    }

    private float[] Get(DeviceTensor t)
    {
        var result = new float[t.Rows * t.Cols];
        _stream.Download(t, result);
        return result;
    }

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++)
            a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tolerance * MathF.Max(1f, MathF.Abs(expected[i])),
                $"{what}: [{i}] expected {expected[i]}, got {actual[i]}");
    }
}
