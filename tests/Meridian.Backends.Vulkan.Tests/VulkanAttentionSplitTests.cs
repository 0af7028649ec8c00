// Split attention (a workgroup per chunk of 256 keys, then a merge) runs only when some sequence of the step has
// more keys than one chunk. The promise that makes that safe for batching: a row is the same bits whether its step
// was split (a long sequence beside it) or not (alone). Both runs are also checked against the scalar reference.
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Vulkan.Tests;

public sealed class VulkanAttentionSplitTests
{
    private const int H = 4, Hkv = 2, Dh = 64, Bs = 16, CacheRows = 1024;

    [SkippableFact]
    public void ShortRow_AloneUnsplit_BesideALongRowSplit_SameBits()
    {
        var device = VulkanTestDevice.Require();
        var rng = new Random(21);
        var keys = Random(rng, CacheRows * Hkv * Dh);
        var values = Random(rng, CacheRows * Hkv * Dh);
        var q = Random(rng, 2 * H * Dh);
        var p = AttentionParams.Causal(H, Hkv, Dh);

        // The short row decodes at position 100 (101 keys); the long one at 900 (901 keys: four chunks).
        AttentionSequence shortSeq = new(0, 1, 100, 0), longSeq = new(1, 1, 900, 0);
        var alone = Run(device, keys, values, q.AsSpan(0, H * Dh).ToArray(), [shortSeq], p);
        var both = Run(device, keys, values, q, [shortSeq, longSeq], p);
        for (int c = 0; c < H * Dh; c++)
            Assert.True(BitConverter.SingleToInt32Bits(alone[c]) == BitConverter.SingleToInt32Bits(both[c]),
                $"dst[0, {c}]: {alone[c]:R} alone, {both[c]:R} beside a 901-key sequence");

        var expected = new float[2 * H * Dh];
        var table = Enumerable.Range(0, CacheRows / Bs).ToArray();
        ReferenceOps.PagedAttentionReference(q, keys, values, Bs, [shortSeq, longSeq], table, p, expected);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(both[i] - expected[i]) <= 1e-5f, $"dst[{i / (H * Dh)}, {i % (H * Dh)}] = {both[i]}, reference {expected[i]}");
    }

    private static float[] Run(IDevice device, float[] keys, float[] values, float[] q, AttentionSequence[] seqs, AttentionParams p)
    {
        int t = q.Length / (H * Dh);
        using var kb = device.Allocate((long)keys.Length * 4, BufferUsage.KvCache);
        using var vb = device.Allocate((long)values.Length * 4, BufferUsage.KvCache);
        using var qb = device.Allocate((long)q.Length * 4, BufferUsage.Scratch);
        using var ob = device.Allocate((long)q.Length * 4, BufferUsage.Scratch);
        using var sb = device.Allocate((long)seqs.Length * 16, BufferUsage.Scratch);
        using var tb = device.Allocate(CacheRows / Bs * 4, BufferUsage.Scratch);
        using var stream = device.CreateStream();
        var kc = DeviceTensor.F32(kb, CacheRows, Hkv * Dh);
        var vc = DeviceTensor.F32(vb, CacheRows, Hkv * Dh);
        stream.Upload(keys, kc);
        stream.Upload(values, vc);
        stream.Upload(q, DeviceTensor.F32(qb, t, H * Dh));
        var seqTensor = new DeviceTensor(sb, 0, DType.I32, seqs.Length, 4);
        stream.Upload(seqs.SelectMany(s => new[] { s.QueryRow, s.QueryCount, s.StartPos, s.BlockTableOffset }).ToArray(), seqTensor);
        var tableTensor = new DeviceTensor(tb, 0, DType.I32, CacheRows / Bs, 1);
        stream.Upload(Enumerable.Range(0, CacheRows / Bs).ToArray(), tableTensor);
        var batch = new PagedAttentionBatch(seqTensor, tableTensor, Bs, seqs.Max(s => s.ContextLength));
        stream.PagedAttention(DeviceTensor.F32(qb, t, H * Dh), kc, vc, batch, p, DeviceTensor.F32(ob, t, H * Dh));
        var dst = new float[q.Length];
        stream.Download(DeviceTensor.F32(ob, t, H * Dh), dst);
        return dst;
    }

    private static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }
}
