// Weights loaded with WeightUse.MatMulOnly: the CPU device packs Q4_0/Q8_0/Q4_K/Q6_K matrices into its own
// layout (Kernels/WeightPacking) and hands back the memory map's pages it copied. The oracle for the packed
// kernels is the file-layout kernel on the same bytes (itself checked against the scalar reference in
// QuantMatMulKernelTests): the same int8 sums and scales in the same order, so the same bits.
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Meridian.Backends.Cpu.Kernels;
using Meridian.Core.Backends;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests;

public sealed unsafe class PackedWeightTests : IDisposable
{
    private readonly CpuDevice _device = new(threads: 2);
    private readonly IComputeStream _stream;

    public PackedWeightTests() => _stream = _device.CreateStream();

    public void Dispose()
    {
        _stream.Dispose();
        _device.Dispose();
    }

    [SkippableTheory]
    [InlineData(DType.Q4_0, 32)]
    [InlineData(DType.Q4_0, 256)]
    [InlineData(DType.Q4_0, 2080)]  // 8 whole groups and one block
    [InlineData(DType.Q8_0, 224)]   // one short group only
    [InlineData(DType.Q8_0, 768)]
    [InlineData(DType.Q4_K, 256)]
    [InlineData(DType.Q4_K, 2048)]
    [InlineData(DType.Q6_K, 256)]
    [InlineData(DType.Q6_K, 768)]
    public void MatMul_PackedWeights_BitwiseEqualFileLayout(DType type, int k)
    {
        Skip.IfNot(WeightPacking.Packs(type, k), "weights are packed only on CPUs with AVX2");
        const int n = 37;
        var rng = new Random(k);
        var wq = GC.AllocateArray<byte>((int)type.ByteSize(n * k), pinned: true);
        QuantCodecs.QuantizeReference(type, Random(rng, n * k), wq);
        var weight = TestTensors.Weight(wq, type, n, k);
        var file = new DeviceTensor(_device.LoadWeights(weight, WeightUse.Any), 0, type, n, k);
        var packedBuffer = _device.LoadWeights(weight, WeightUse.MatMulOnly);
        var packed = new DeviceTensor(packedBuffer, 0, type, n, k);
        Assert.True(((CpuBuffer)packedBuffer).Packed);
        foreach (int t in new[] { 1, 2, 3, 4, 5, 7, 16, 61 })
        {
            var x = Random(rng, t * k);
            Assert.Equal(MatMul(file, x, t, k, n), MatMul(packed, x, t, k, n));
        }
    }

    [Fact]
    public void LoadWeights_MatMulOnlyTypesItDoesNotPack_AreUsedInPlace()
    {
        var wq = GC.AllocateArray<byte>((int)DType.Q5_K.ByteSize(4 * 256), pinned: true);
        var buffer = (CpuBuffer)_device.LoadWeights(TestTensors.Weight(wq, DType.Q5_K, 4, 256), WeightUse.MatMulOnly);
        Assert.False(buffer.Packed);
        fixed (byte* p = wq)
            Assert.True(buffer.Pointer == p);
        var odd = GC.AllocateArray<byte>((int)DType.Q4_0.ByteSize(4 * 48), pinned: true); // rows of 1.5 blocks: no Q8 kernel
        Assert.False(((CpuBuffer)_device.LoadWeights(TestTensors.Weight(odd, DType.Q4_0, 4, 48), WeightUse.MatMulOnly)).Packed);
    }

    [SkippableFact]
    public void LoadWeights_MatMulOnly_ReportsProgressUpToTheByteLength()
    {
        // Rows of 4096 Q4_0 weights are 2304 bytes: 3 rows pack in one batch, 7000 rows (16 MB) in two of about 8 MiB.
        Skip.IfNot(WeightPacking.Packs(DType.Q4_0, 4096), "weights are packed only on CPUs with AVX2");
        foreach (int rows in new[] { 3, 7000 })
        {
            var wq = GC.AllocateArray<byte>((int)DType.Q4_0.ByteSize(rows * 4096L), pinned: true); // zero blocks: scale 0
            var reports = new SyncProgress();
            var buffer = (CpuBuffer)_device.LoadWeights(TestTensors.Weight(wq, DType.Q4_0, rows, 4096), WeightUse.MatMulOnly, reports);
            Assert.True(buffer.Packed);
            Assert.NotEmpty(reports.Values);
            Assert.Equal(wq.Length, reports.Values[^1]);
            for (int i = 1; i < reports.Values.Count; i++)
                Assert.True(reports.Values[i] > reports.Values[i - 1], $"report {i}: {reports.Values[i]} after {reports.Values[i - 1]}");
            if (rows == 7000)
                Assert.True(reports.Values.Count > 1, "a 16 MB weight is packed in more than one batch");
        }
    }

    [Fact]
    public void LoadWeights_WrongByteCount_NamesTheWeight()
    {
        var wq = GC.AllocateArray<byte>((int)DType.Q4_0.ByteSize(4 * 256) - 18, pinned: true);
        foreach (var use in new[] { WeightUse.Any, WeightUse.MatMulOnly })
        {
            var e = Assert.Throws<ArgumentException>(() => _device.LoadWeights(TestTensors.Weight(wq, DType.Q4_0, 4, 256, "blk.0.ffn_up.weight"), use));
            Assert.Contains("weight 'blk.0.ffn_up.weight'", e.Message);
            Assert.Contains("q4_0 [4, 256]", e.Message);
        }
    }

    [SkippableFact]
    public void PackedWeight_ReadByAnotherOp_IsRefusedByName()
    {
        Skip.IfNot(WeightPacking.Packs(DType.Q4_0, 256), "weights are packed only on CPUs with AVX2");
        var wq = GC.AllocateArray<byte>((int)DType.Q4_0.ByteSize(4 * 256), pinned: true);
        var w = new DeviceTensor(_device.LoadWeights(TestTensors.Weight(wq, DType.Q4_0, 4, 256), WeightUse.MatMulOnly), 0, DType.Q4_0, 4, 256);
        var dst = new DeviceTensor(_device.Allocate(4 * 256, BufferUsage.Scratch), 0, DType.F32, 1, 256);
        var e = Assert.Throws<ArgumentException>(() => _stream.EmbeddingLookup(w, _stream.PutI32([1]), dst));
        Assert.Contains("packed layout", e.Message);
    }

    [Fact]
    public void ReleaseFilePages_OnlyDropsReadOnlyFileMappings_AndNeverChangesBytes()
    {
        // Anonymous native memory and the GC heap: never released (madvise would zero them).
        int page = Environment.SystemPageSize;
        byte* native = (byte*)NativeMemory.AlignedAlloc((nuint)(4 * page), (nuint)page);
        try
        {
            new Span<byte>(native, 4 * page).Fill(0x5A);
            Assert.False(PageAdvice.ReleaseFilePages(native, 4 * page));
            Assert.True(new Span<byte>(native, 4 * page).IndexOfAnyExcept((byte)0x5A) < 0);
        }
        finally
        {
            NativeMemory.AlignedFree(native);
        }
        var managed = GC.AllocateArray<byte>(4 * page, pinned: true);
        managed.AsSpan().Fill(0x33);
        fixed (byte* p = managed)
            Assert.False(PageAdvice.ReleaseFilePages(p, managed.Length));
        Assert.True(managed.AsSpan().IndexOfAnyExcept((byte)0x33) < 0);

        // A read-only map of a file: released on Linux, and the bytes read back unchanged.
        string path = Path.Combine(Path.GetTempPath(), $"meridian-filepages-{Guid.NewGuid():N}.bin");
        var content = new byte[8 * page];
        new Random(7).NextBytes(content);
        File.WriteAllBytes(path, content);
        try
        {
            using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            using var view = map.CreateViewAccessor(0, content.Length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            try
            {
                p += view.PointerOffset;
                long sum = 0;
                for (int i = 0; i < content.Length; i += page)
                    sum += p[i]; // make the pages resident
                Assert.True(sum >= 0);
                Assert.Equal(OperatingSystem.IsLinux(), PageAdvice.ReleaseFilePages(p + 100, content.Length - 200));
                Assert.True(new ReadOnlySpan<byte>(p, content.Length).SequenceEqual(content));
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private float[] MatMul(DeviceTensor w, float[] x, int t, int k, int n)
    {
        var xt = new DeviceTensor(_device.Allocate(4L * t * k, BufferUsage.Scratch), 0, DType.F32, t, k);
        var yt = new DeviceTensor(_device.Allocate(4L * t * n, BufferUsage.Scratch), 0, DType.F32, t, n);
        _stream.Upload(x, xt);
        _stream.MatMul(w, xt, yt);
        var y = new float[t * n];
        _stream.Download(yt, y);
        _stream.Synchronize();
        return y;
    }

    // Records every report on the reporting thread (Progress<T> would post them to the thread pool, out of order).
    private sealed class SyncProgress : IProgress<long>
    {
        public List<long> Values { get; } = [];

        public void Report(long value)
        {
            lock (Values)
                Values.Add(value);
        }
    }

    private static float[] Random(Random rng, int n)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
            v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }
}
