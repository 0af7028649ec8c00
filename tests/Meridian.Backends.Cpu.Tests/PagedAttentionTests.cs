// PagedAttention and ScatterRows on the CPU stream against Core's references, plus the batching invariant
// the engine relies on: a query row's output is the same bits however its sequence is chunked, whatever
// else is in the batch, and however the block table scatters its blocks. Each case builds every sequence's
// keys and values as plain contiguous rows first, then scatters them into a cache through a shuffled
// block table, so AttentionReference over the plain rows is an oracle that never reads a block table.
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests;

public sealed class PagedAttentionTests : IDisposable
{
    // The kernel sums q·k in SIMD lanes and uses TensorPrimitives' exp; the reference sums in order.
    private const float AttentionTolerance = 1e-5f;

    private readonly CpuDevice _device = new(threads: 3);
    private readonly IComputeStream _stream;

    public PagedAttentionTests() => _stream = _device.CreateStream();

    public void Dispose()
    {
        _stream.Dispose();
        _device.Dispose();
    }

    // One sequence of a test batch: positions startPos..startPos+count-1 queried, its plain K and V rows
    // [context, Hkv·Dh] and its query rows [count, H·Dh].
    private sealed record Seq(int StartPos, int Count, float[] Keys, float[] Values, float[] Q)
    {
        public int Context => StartPos + Count;
    }

    [Theory]
    [InlineData(1, 4, 4, 16)]   // block size 1, no grouping
    [InlineData(3, 4, 2, 16)]   // blocks of 3 (positions straddle Dot4 groups), 2 heads per KV head
    [InlineData(16, 8, 2, 64)]  // the engine's block size, 4 heads per KV head
    [InlineData(3, 8, 2, 64)]
    [InlineData(16, 4, 1, 16)]  // one KV head
    [InlineData(5, 6, 3, 20)]   // Dh not a multiple of the vector width (scalar tails)
    public void PagedAttention_MixedBatch_MatchesReference(int blockSize, int h, int hkv, int dh)
    {
        var rng = new Random(blockSize * 1000 + h * 100 + dh);
        // A first prefill chunk, decodes at short and long contexts, and later prefill chunks (StartPos > 0).
        (int Start, int Count)[] shape = [(0, 9), (37, 1), (20, 13), (69, 1), (0, 1), (50, 20)];
        var seqs = shape.Select(s => NewSeq(rng, s.Start, s.Count, h, hkv, dh)).ToArray();
        var (cache, tables) = Layout(seqs, blockSize, spareBlocks: 3, rng);
        var batch = Batch(seqs, tables);

        float[] actual = RunPaged(batch.Q, cache.Keys, cache.Values, blockSize, batch.Sequences, batch.Tables, h, hkv, dh);

        var reference = new float[actual.Length];
        ReferenceOps.PagedAttentionReference(batch.Q, cache.Keys, cache.Values, blockSize, batch.Sequences, batch.Tables, h, hkv, dh, reference);
        var plain = PlainReference(seqs, h, hkv, dh);
        // Gathering copies values, so the reference over the cache is the plain one bit for bit.
        Assert.Equal(plain, reference);
        AssertClose(plain, actual, AttentionTolerance, $"bs={blockSize} h={h} hkv={hkv} dh={dh}");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(20)]
    public void PagedAttention_ChunkingBatchingAndLayout_BitwiseInvariant(int dh)
    {
        const int h = 8, hkv = 2, context = 40;
        var rng = new Random(dh);
        var whole = NewSeq(rng, 0, context, h, hkv, dh);
        var others = new[] { NewSeq(rng, 0, 23, h, hkv, dh), NewSeq(rng, 57, 1, h, hkv, dh), NewSeq(rng, 10, 6, h, hkv, dh) };

        // Reference run: the whole prompt as one chunk of 40, alone, blocks of 16.
        float[] baseline = RunAlone([whole], blockSize: 16, rng, h, hkv, dh);

        // Chunks 16 + 16 + 8, each alone, blocks of 16: each chunk's rows equal the baseline's.
        var chunked = new List<float>();
        foreach (var (start, count) in new[] { (0, 16), (16, 16), (32, 8) })
            chunked.AddRange(RunAlone([Chunk(whole, start, count, h, dh)], blockSize: 16, rng, h, hkv, dh));
        Assert.Equal(baseline, chunked.ToArray());

        // Every row as a decode step (one query row), next to other sequences, blocks of 3 and of 1.
        int qWidth = h * dh;
        foreach (int blockSize in new[] { 3, 1 })
        {
            for (int p = 0; p < context; p++)
            {
                Seq[] batch = p % 2 == 0 ? [others[0], Chunk(whole, p, 1, h, dh), others[1]] : [Chunk(whole, p, 1, h, dh), others[2]];
                int index = p % 2 == 0 ? 1 : 0;
                float[] all = RunAlone(batch, blockSize, rng, h, hkv, dh);
                int row0 = batch.Take(index).Sum(s => s.Count);
                Assert.Equal(baseline.AsSpan(p * qWidth, qWidth).ToArray(), all.AsSpan(row0 * qWidth, qWidth).ToArray());
            }
        }

        // A middle chunk among others, blocks of 5: its rows equal the baseline's.
        {
            Seq[] batch = [others[0], others[1], Chunk(whole, 13, 20, h, dh), others[2]];
            float[] all = RunAlone(batch, blockSize: 5, rng, h, hkv, dh);
            int row0 = others[0].Count + others[1].Count;
            Assert.Equal(baseline.AsSpan(13 * qWidth, 20 * qWidth).ToArray(), all.AsSpan(row0 * qWidth, 20 * qWidth).ToArray());
        }
    }

    [Fact]
    public void ScatterRows_ShuffledRows_MatchReference()
    {
        const int t = 5, r = 12, c = 24;
        var rng = new Random(3);
        float[] src = Random(rng, t * c), dst = Random(rng, r * c);
        int[] rows = [7, 0, 3, 11, 4];
        var expected = (float[])dst.Clone();
        ReferenceOps.ScatterRowsReference<float>(src, rows, c, expected);
        var tdst = Put(dst, r, c);
        _stream.ScatterRows(Put(src, t, c), rows, tdst);
        Assert.Equal(expected, Get(tdst));
    }

    [Fact]
    public void ScatterRows_BadRows_ThrowNamingTheRow()
    {
        var src = Put(new float[3 * 4], 3, 4);
        var dst = Put(new float[6 * 4], 6, 4);
        var e = Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, [0, 6, 2], dst));
        Assert.Contains("destination row 6", e.Message);
        e = Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, [0, -1, 2], dst));
        Assert.Contains("destination row -1", e.Message);
        e = Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, [5, 1, 5], dst));
        Assert.Contains("row 5 is written twice", e.Message);
        Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, [0, 1], dst));
        Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, [0, 1, 2], Put(new float[6 * 5], 6, 5)));
    }

    [Fact]
    public void PagedAttention_BadArguments_ThrowNamingWhatIsWrong()
    {
        const int h = 4, hkv = 2, dh = 8, bs = 4, blocks = 3;
        var q = Put(new float[5 * h * dh], 5, h * dh);
        var dst = Put(new float[5 * h * dh], 5, h * dh);
        var k = Put(new float[blocks * bs * hkv * dh], blocks * bs, hkv * dh);
        var v = Put(new float[blocks * bs * hkv * dh], blocks * bs, hkv * dh);
        AttentionSequence[] good = [new(0, 3, 2, 0), new(3, 2, 0, 2)]; // contexts 5 (2 blocks) and 2 (1 block)
        int[] table = [2, 0, 1];
        _stream.PagedAttention(q, k, v, bs, good, table, h, hkv, dst); // the valid call runs

        string Fails(AttentionSequence[] seqs, int[] tables, DeviceTensor? keys = null, int blockSize = bs, int heads = h) =>
            Assert.Throws<ArgumentException>(() => _stream.PagedAttention(q, keys ?? k, v, blockSize, seqs, tables, heads, hkv, dst)).Message;

        Assert.Contains("sequence 1, position 0: block id 3", Fails(good, [2, 0, 3]));
        Assert.Contains("sequence 0, position 4: block id -1", Fails(good, [2, -1, 1]));
        Assert.Contains("sequence 1 needs 1 block table entries", Fails(good, [2, 0]));
        Assert.Contains("query row 2 belongs to both", Fails([new(0, 3, 2, 0), new(2, 3, 0, 2)], table));
        Assert.Contains("query row 4 of 5 belongs to no sequence", Fails([new(0, 3, 2, 0), new(3, 1, 0, 2)], table));
        Assert.Contains("sequence 1", Fails([new(0, 3, 2, 0), new(3, 3, 0, 2)], table)); // rows past T
        Assert.Contains("sequence 0", Fails([new(0, 3, -1, 0), new(3, 2, 0, 2)], table));
        Assert.Contains("whole number of blocks", Fails(good, table, blockSize: 5));
        Assert.Contains("key and value caches", Fails(good, table, keys: Put(new float[blocks * bs * dh], blocks * bs, dh)));
        Assert.Contains("multiple of Hkv", Fails(good, table, heads: 3));
    }

    // Runs the sequences as one batch over a fresh cache laid out by a shuffled table; returns dst [T, H·Dh].
    private float[] RunAlone(Seq[] seqs, int blockSize, Random rng, int h, int hkv, int dh)
    {
        var (cache, tables) = Layout(seqs, blockSize, spareBlocks: 2, rng);
        var batch = Batch(seqs, tables);
        return RunPaged(batch.Q, cache.Keys, cache.Values, blockSize, batch.Sequences, batch.Tables, h, hkv, dh);
    }

    private float[] RunPaged(float[] q, float[] keys, float[] values, int blockSize, AttentionSequence[] sequences, int[] tables, int h, int hkv, int dh)
    {
        int t = q.Length / (h * dh), rows = keys.Length / (hkv * dh);
        var dst = Put(new float[q.Length], t, h * dh);
        _stream.PagedAttention(Put(q, t, h * dh), Put(keys, rows, hkv * dh), Put(values, rows, hkv * dh), blockSize, sequences, tables, h, hkv, dst);
        return Get(dst);
    }

    private static Seq NewSeq(Random rng, int start, int count, int h, int hkv, int dh) =>
        new(start, count, Random(rng, (start + count) * hkv * dh), Random(rng, (start + count) * hkv * dh), Random(rng, count * h * dh));

    // Rows [start, start + count) of a sequence's queries, with the keys and values of positions up to them.
    private static Seq Chunk(Seq s, int start, int count, int h, int dh)
    {
        int kvWidth = s.Keys.Length / s.Context;
        return new Seq(start, count, s.Keys[..((start + count) * kvWidth)], s.Values[..((start + count) * kvWidth)],
            s.Q.AsSpan(start * h * dh, count * h * dh).ToArray());
    }

    // A cache of every block the sequences need plus spares, handed out in shuffled order; each sequence's
    // rows are written into its blocks. Returns the caches [numBlocks·blockSize, Hkv·Dh] and per-sequence tables.
    private static ((float[] Keys, float[] Values) Cache, int[][] Tables) Layout(Seq[] seqs, int blockSize, int spareBlocks, Random rng)
    {
        int kvWidth = seqs[0].Keys.Length / seqs[0].Context;
        int needed = seqs.Sum(s => (s.Context + blockSize - 1) / blockSize), numBlocks = needed + spareBlocks;
        int[] order = Enumerable.Range(0, numBlocks).OrderBy(_ => rng.Next()).ToArray();
        float[] keys = Random(rng, numBlocks * blockSize * kvWidth), values = Random(rng, numBlocks * blockSize * kvWidth); // junk outside
        var tables = new int[seqs.Length][];
        int next = 0;
        for (int i = 0; i < seqs.Length; i++)
        {
            var s = seqs[i];
            tables[i] = order[next..(next + (s.Context + blockSize - 1) / blockSize)];
            next += tables[i].Length;
            for (int p = 0; p < s.Context; p++)
            {
                int row = tables[i][p / blockSize] * blockSize + p % blockSize;
                s.Keys.AsSpan(p * kvWidth, kvWidth).CopyTo(keys.AsSpan(row * kvWidth));
                s.Values.AsSpan(p * kvWidth, kvWidth).CopyTo(values.AsSpan(row * kvWidth));
            }
        }
        return ((keys, values), tables);
    }

    // The sequences' queries back to back, their AttentionSequence records and concatenated block tables.
    private static (float[] Q, AttentionSequence[] Sequences, int[] Tables) Batch(Seq[] seqs, int[][] tables)
    {
        var sequences = new AttentionSequence[seqs.Length];
        int row = 0, offset = 0;
        for (int i = 0; i < seqs.Length; i++)
        {
            sequences[i] = new AttentionSequence(row, seqs[i].Count, seqs[i].StartPos, offset);
            row += seqs[i].Count;
            offset += tables[i].Length;
        }
        return (seqs.SelectMany(s => s.Q).ToArray(), sequences, tables.SelectMany(t => t).ToArray());
    }

    // AttentionReference on each sequence's plain rows: no cache, no block table.
    private static float[] PlainReference(Seq[] seqs, int h, int hkv, int dh)
    {
        var result = new List<float>();
        foreach (var s in seqs)
        {
            var o = new float[s.Q.Length];
            ReferenceOps.AttentionReference(s.Q, s.Keys, s.Values, s.StartPos, h, hkv, dh, o);
            result.AddRange(o);
        }
        return result.ToArray();
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

    private static float[] Random(Random rng, int n)
    {
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
