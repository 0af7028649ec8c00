// PagedAttention and ScatterRows on the CPU stream against Core's references, plus the batching invariant
// the engine relies on: a query row's output is the same bits however its sequence is chunked, whatever
// else is in the batch, and however the block table scatters its blocks, with f32 or f16 caches, sliding
// windows and softcap. Each case builds every sequence's keys and values as plain contiguous rows first,
// then scatters them into a cache through a shuffled block table, so AttentionReference over the plain rows
// is an oracle that never reads a block table.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests;

public sealed class PagedAttentionTests : IDisposable
{
    // The kernel sums q·k in SIMD lanes and uses TensorPrimitives' exp and tanh; the reference sums in order
    // with MathF. Per element, relative to max(1, |expected|).
    private const float AttentionTolerance = 1e-5f;
    // f16 caches: the kernel widens each value exactly, so against the reference over the decoded cache only
    // summation order differs (observed NMSE ~1e-14); ggml's test-backend-ops allows 5e-4 for flash attention.
    private const double F16AttentionNmse = 1e-10;

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

    // A first prefill chunk, decodes at short and long contexts, and later prefill chunks (StartPos > 0).
    private static readonly (int Start, int Count)[] MixedShape = [(0, 9), (37, 1), (20, 13), (69, 1), (0, 1), (50, 20)];

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
        var p = AttentionParams.Causal(h, hkv, dh);
        var seqs = MixedShape.Select(s => NewSeq(rng, s.Start, s.Count, h, hkv, dh)).ToArray();
        var (tables, numBlocks) = Tables(seqs, blockSize, spareBlocks: 3, rng);
        var (keys, values) = Fill(seqs, tables, blockSize, numBlocks, rng);
        var batch = Batch(seqs, tables);

        float[] actual = RunPaged(batch.Q, keys, values, blockSize, batch.Sequences, batch.Tables, p);

        var reference = new float[actual.Length];
        ReferenceOps.PagedAttentionReference(batch.Q, keys, values, blockSize, batch.Sequences, batch.Tables, p, reference);
        var plain = PlainReference(seqs, p);
        // Gathering copies values, so the reference over the cache is the plain one bit for bit.
        Assert.Equal(plain, reference);
        AssertClose(plain, actual, AttentionTolerance, $"bs={blockSize} h={h} hkv={hkv} dh={dh}");
    }

    [Theory]
    [InlineData(0, 1, 4, 2, 8)]
    [InlineData(0, 6, 4, 2, 8)]
    [InlineData(3, 5, 4, 2, 8)]
    [InlineData(300, 1, 8, 2, 64)]   // long decode context, 4 query heads per KV head
    [InlineData(300, 64, 8, 2, 64)]  // a prefill chunk after a long context
    [InlineData(20, 33, 6, 2, 16)]   // 3 heads per item
    [InlineData(0, 37, 4, 4, 20)]    // no grouping; Dh not a multiple of the vector width
    [InlineData(9, 3, 6, 1, 6)]      // one KV head; Dh shorter than a vector
    [InlineData(130, 2, 32, 4, 64)]  // TinyLlama's heads: decode splits each group over items
    public void PagedAttention_OneSequence_MatchesReference(int startPos, int t, int h, int hkv, int dh)
    {
        var rng = new Random(startPos * 100 + t);
        var p = AttentionParams.Causal(h, hkv, dh);
        Seq[] seqs = [NewSeq(rng, startPos, t, h, hkv, dh)];
        AssertClose(PlainReference(seqs, p), RunAlone(seqs, blockSize: 16, rng, p), AttentionTolerance, $"start={startPos} t={t}");
    }

    [Theory]
    [InlineData(1, 16)]    // each query sees itself only
    [InlineData(4, 16)]
    [InlineData(5, 5)]     // the window one block long: most windows straddle two blocks
    [InlineData(16, 16)]
    [InlineData(17, 16)]   // one position more than a block
    [InlineData(33, 3)]
    [InlineData(69, 16)]   // the longest context minus one
    [InlineData(70, 16)]   // equal to the longest context: no position is cut
    [InlineData(1000, 5)]  // longer than every context
    [InlineData(7, 1)]
    public void PagedAttention_SlidingWindow_MatchesReference(int window, int blockSize)
    {
        const int h = 8, hkv = 2, dh = 32;
        var rng = new Random(window * 100 + blockSize);
        var p = AttentionParams.Causal(h, hkv, dh) with { SlidingWindow = window };
        var seqs = MixedShape.Select(s => NewSeq(rng, s.Start, s.Count, h, hkv, dh)).ToArray();
        var (tables, numBlocks) = Tables(seqs, blockSize, spareBlocks: 2, rng);
        var (keys, values) = Fill(seqs, tables, blockSize, numBlocks, rng);
        var batch = Batch(seqs, tables);
        float[] actual = RunPaged(batch.Q, keys, values, blockSize, batch.Sequences, batch.Tables, p);

        var reference = new float[actual.Length];
        ReferenceOps.PagedAttentionReference(batch.Q, keys, values, blockSize, batch.Sequences, batch.Tables, p, reference);
        AssertClose(reference, actual, AttentionTolerance, $"W={window} bs={blockSize}");
        if (window >= 70)
            Assert.Equal(RunPaged(batch.Q, keys, values, blockSize, batch.Sequences, batch.Tables, p with { SlidingWindow = 0 }), actual);
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(9, 3)]
    [InlineData(40, 16)]
    public void PagedAttention_SlidingWindow_NeverReadsPositionsBeforeTheWindow(int window, int blockSize)
    {
        // Every cache row a window leaves out holds NaN: reading it at all (a score masked later, a weight of 0
        // times a NaN value) would turn the row's output into NaN.
        const int h = 4, hkv = 2, dh = 16;
        var rng = new Random(window);
        var p = AttentionParams.Causal(h, hkv, dh) with { SlidingWindow = window };
        var seqs = MixedShape.Select(s => NewSeq(rng, s.Start, s.Count, h, hkv, dh)).ToArray();
        foreach (var s in seqs)
        {
            int firstSeen = p.FirstVisible(s.StartPos), kvWidth = hkv * dh;
            s.Keys.AsSpan(0, firstSeen * kvWidth).Fill(float.NaN);
            s.Values.AsSpan(0, firstSeen * kvWidth).Fill(float.NaN);
        }
        var (tables, numBlocks) = Tables(seqs, blockSize, spareBlocks: 1, rng);
        var (keys, values) = Fill(seqs, tables, blockSize, numBlocks, rng, junk: float.NaN);
        var batch = Batch(seqs, tables);
        float[] actual = RunPaged(batch.Q, keys, values, blockSize, batch.Sequences, batch.Tables, p);
        Assert.All(actual, x => Assert.True(float.IsFinite(x)));
        AssertClose(PlainReference(seqs, p), actual, AttentionTolerance, $"W={window}");
    }

    [Theory]
    [InlineData(0.05f, 0f, 0)]
    [InlineData(0.25f, 50f, 0)]   // Gemma 2's attention softcap
    [InlineData(2.5f, 1.5f, 0)]   // a small cap with large scores: tanh saturates
    [InlineData(1f, 5f, 12)]      // softcap and a window together
    public void PagedAttention_ScaleAndSoftcap_MatchReference(float scale, float softcap, int window)
    {
        const int h = 8, hkv = 4, dh = 24, blockSize = 16;
        var rng = new Random((int)(scale * 100 + softcap));
        var p = new AttentionParams(h, hkv, dh, scale, window, softcap);
        var seqs = MixedShape.Select(s => NewSeq(rng, s.Start, s.Count, h, hkv, dh)).ToArray();
        AssertClose(PlainReference(seqs, p), RunAlone(seqs, blockSize, rng, p), AttentionTolerance, $"scale={scale} softcap={softcap} W={window}");
    }

    [Theory]
    [InlineData(16, 0, 0f)]
    [InlineData(5, 0, 0f)]
    [InlineData(16, 10, 0f)]
    [InlineData(3, 17, 20f)]
    [InlineData(128, 0, 0f)]  // blocks longer than one widening run (64 positions)
    public void PagedAttention_F16Cache_ScatteredThenAttended_MatchesReference(int blockSize, int window, float softcap)
    {
        const int h = 8, hkv = 2, dh = 64, kvWidth = hkv * dh;
        var rng = new Random(blockSize + window);
        var p = new AttentionParams(h, hkv, dh, 1f / MathF.Sqrt(dh), window, softcap);
        (int Start, int Count)[] shape = [.. MixedShape, (150, 1), (100, 40)];
        var seqs = shape.Select(s => NewSeq(rng, s.Start, s.Count, h, hkv, dh)).ToArray();
        var (tables, numBlocks) = Tables(seqs, blockSize, spareBlocks: 2, rng);
        int cacheRows = numBlocks * blockSize;

        // Every position of every sequence in one ScatterRows per cache: src [N, Hkv·Dh] f32, slots [N].
        var slots = new List<int>();
        for (int i = 0; i < seqs.Length; i++)
        {
            for (int j = 0; j < seqs[i].Context; j++)
                slots.Add(tables[i][j / blockSize] * blockSize + j % blockSize);
        }
        float[] srcK = seqs.SelectMany(s => s.Keys).ToArray(), srcV = seqs.SelectMany(s => s.Values).ToArray();
        var keyCache = _stream.PutF16(new Half[cacheRows * kvWidth], cacheRows, kvWidth);
        var valueCache = _stream.PutF16(new Half[cacheRows * kvWidth], cacheRows, kvWidth);
        var slotTensor = _stream.PutI32(slots.ToArray());
        _stream.ScatterRows(_stream.PutF32(srcK, slots.Count, kvWidth), slotTensor, keyCache);
        _stream.ScatterRows(_stream.PutF32(srcV, slots.Count, kvWidth), slotTensor, valueCache);
        var expectedK = new Half[cacheRows * kvWidth];
        var expectedV = new Half[cacheRows * kvWidth];
        ReferenceOps.ScatterRowsF16Reference(srcK, slots.ToArray(), kvWidth, expectedK);
        ReferenceOps.ScatterRowsF16Reference(srcV, slots.ToArray(), kvWidth, expectedV);
        Assert.Equal(Bits(expectedK), Bits(_stream.GetF16(keyCache)));
        Assert.Equal(Bits(expectedV), Bits(_stream.GetF16(valueCache)));

        var batch = Batch(seqs, tables);
        int t = batch.Q.Length / (h * dh);
        var dst = _stream.PutF32(new float[batch.Q.Length], t, h * dh);
        _stream.PagedAttention(_stream.PutF32(batch.Q, t, h * dh), keyCache, valueCache, PagedBatch(batch.Sequences, batch.Tables, blockSize), p, dst);
        float[] actual = _stream.GetF32(dst);

        float[] decodedK = Widen(expectedK), decodedV = Widen(expectedV);
        var reference = new float[actual.Length];
        ReferenceOps.PagedAttentionReference(batch.Q, decodedK, decodedV, blockSize, batch.Sequences, batch.Tables, p, reference);
        double nmse = TestTensors.Nmse(reference, actual);
        Assert.True(nmse <= F16AttentionNmse, $"NMSE {nmse:E2} against the reference over the decoded cache");
        // Widening is exact, so the f32 kernel over the decoded cache gives the same bits.
        Assert.Equal(RunPaged(batch.Q, decodedK, decodedV, blockSize, batch.Sequences, batch.Tables, p), actual);
    }

    [Theory]
    [InlineData(16, DType.F32, 0, 0f)]
    [InlineData(64, DType.F32, 0, 0f)]
    [InlineData(20, DType.F32, 0, 0f)]
    [InlineData(16, DType.F16, 0, 0f)]
    [InlineData(20, DType.F16, 7, 0f)]
    [InlineData(64, DType.F32, 16, 30f)]
    [InlineData(16, DType.F16, 23, 10f)]
    public void PagedAttention_ChunkingBatchingAndLayout_BitwiseInvariant(int dh, DType kvType, int window, float softcap)
    {
        const int h = 8, hkv = 2, context = 40;
        var rng = new Random(dh + window);
        var p = new AttentionParams(h, hkv, dh, 1f / MathF.Sqrt(dh), window, softcap);
        var whole = NewSeq(rng, 0, context, h, hkv, dh);
        var others = new[] { NewSeq(rng, 0, 23, h, hkv, dh), NewSeq(rng, 57, 1, h, hkv, dh), NewSeq(rng, 10, 6, h, hkv, dh) };

        // Reference run: the whole prompt as one chunk of 40, alone, blocks of 16.
        float[] baseline = RunAlone([whole], blockSize: 16, rng, p, kvType);

        // Chunks 16 + 16 + 8, each alone, blocks of 16: each chunk's rows equal the baseline's.
        var chunked = new List<float>();
        foreach (var (start, count) in new[] { (0, 16), (16, 16), (32, 8) })
            chunked.AddRange(RunAlone([Chunk(whole, start, count, h, dh)], blockSize: 16, rng, p, kvType));
        Assert.Equal(baseline, chunked.ToArray());

        // Every row as a decode step (one query row), next to other sequences, blocks of 3 and of 1.
        int qWidth = h * dh;
        foreach (int blockSize in new[] { 3, 1 })
        {
            for (int pos = 0; pos < context; pos++)
            {
                Seq[] batch = pos % 2 == 0 ? [others[0], Chunk(whole, pos, 1, h, dh), others[1]] : [Chunk(whole, pos, 1, h, dh), others[2]];
                int index = pos % 2 == 0 ? 1 : 0;
                float[] all = RunAlone(batch, blockSize, rng, p, kvType);
                int row0 = batch.Take(index).Sum(s => s.Count);
                Assert.Equal(baseline.AsSpan(pos * qWidth, qWidth).ToArray(), all.AsSpan(row0 * qWidth, qWidth).ToArray());
            }
        }

        // A middle chunk among others, blocks of 5: its rows equal the baseline's.
        {
            Seq[] batch = [others[0], others[1], Chunk(whole, 13, 20, h, dh), others[2]];
            float[] all = RunAlone(batch, blockSize: 5, rng, p, kvType);
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
        _stream.ScatterRows(Put(src, t, c), _stream.PutI32(rows), tdst);
        Assert.Equal(expected, Get(tdst));
    }

    [Fact]
    public void ScatterRows_F16_AllLengths_MatchReferenceBitwise()
    {
        int[] rows = [4, 0, 2];
        var index = _stream.PutI32(rows);
        var rng = new Random(5);
        for (int c = 0; c <= 257; c++)
        {
            float[] src = Random(rng, rows.Length * c);
            for (int i = 0; i < src.Length; i++)
                src[i] *= 1000f; // f16 keeps 11 significant bits: most values round
            var initial = new Half[5 * c];
            for (int i = 0; i < initial.Length; i++)
                initial[i] = (Half)(i % 7);
            var expected = (Half[])initial.Clone();
            ReferenceOps.ScatterRowsF16Reference(src, rows, c, expected);
            var dst = _stream.PutF16(initial, 5, c);
            _stream.ScatterRows(Put(src, rows.Length, c), index, dst);
            Assert.True(Bits(expected).SequenceEqual(Bits(_stream.GetF16(dst))), $"c={c}");
        }
    }

    [Fact]
    public void ScatterRows_F16_RoundingEdgeCases_MatchReference()
    {
        // Ties round to even, overflow to infinity, tiny values to subnormals or zero, signs kept.
        float[] values =
        [
            1f + MathF.Pow(2, -11), 1f + 3 * MathF.Pow(2, -11), 1f + MathF.Pow(2, -11) + MathF.Pow(2, -20), // tie down, tie up, above the tie
            65504f, 65519.99f, 65520f, 1e10f, -1e10f, float.PositiveInfinity, float.NegativeInfinity,
            MathF.Pow(2, -24), MathF.Pow(2, -25), 3 * MathF.Pow(2, -25), MathF.Pow(2, -26), 1e-8f, 6.1e-5f, -6.1e-5f,
            -0f, 0f, -1f / 3, 2049f, 2051f, 4097f, float.NaN, float.Epsilon, -float.Epsilon, 0.1f, 1234.5678f,
        ];
        int c = values.Length;
        var expected = new Half[c];
        ReferenceOps.ScatterRowsF16Reference(values, [0], c, expected);
        var dst = _stream.PutF16(new Half[c], 1, c);
        _stream.ScatterRows(Put(values, 1, c), _stream.PutI32([0]), dst);
        var actual = _stream.GetF16(dst);
        for (int i = 0; i < c; i++)
        {
            Assert.True(BitConverter.HalfToUInt16Bits(expected[i]) == BitConverter.HalfToUInt16Bits(actual[i]) || (Half.IsNaN(expected[i]) && Half.IsNaN(actual[i])),
                $"{values[i]:R}: expected {expected[i]} (0x{BitConverter.HalfToUInt16Bits(expected[i]):x4}), got {actual[i]} (0x{BitConverter.HalfToUInt16Bits(actual[i]):x4})");
        }
    }

    [Fact]
    public void ScatterRows_BadRows_ThrowNamingTheRow()
    {
        var src = Put(new float[3 * 4], 3, 4);
        var dst = Put(new float[6 * 4], 6, 4);
        var e = Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, _stream.PutI32([0, 6, 2]), dst));
        Assert.Contains("source row 1 names destination row 6", e.Message);
        e = Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, _stream.PutI32([0, -1, 2]), dst));
        Assert.Contains("destination row -1", e.Message);
        e = Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, _stream.PutI32([5, 1, 5]), dst));
        Assert.Contains("row 5 is written twice", e.Message);
        Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, _stream.PutI32([0, 1]), dst));
        Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, _stream.PutI32([0, 1, 2]), Put(new float[6 * 5], 6, 5)));
        e = Assert.Throws<ArgumentException>(() => _stream.ScatterRows(src, _stream.PutI32([0, 1, 2]), _stream.PutI32(new int[24], 6, 4)));
        Assert.Contains("f32 or f16", e.Message);
    }

    [Fact]
    public void PagedAttention_BadArguments_ThrowNamingWhatIsWrong()
    {
        const int h = 4, hkv = 2, dh = 8, bs = 4, blocks = 3;
        var p = AttentionParams.Causal(h, hkv, dh);
        var q = Put(new float[5 * h * dh], 5, h * dh);
        var dst = Put(new float[5 * h * dh], 5, h * dh);
        var k = Put(new float[blocks * bs * hkv * dh], blocks * bs, hkv * dh);
        var v = Put(new float[blocks * bs * hkv * dh], blocks * bs, hkv * dh);
        AttentionSequence[] good = [new(0, 3, 2, 0), new(3, 2, 0, 2)]; // contexts 5 (2 blocks) and 2 (1 block)
        int[] table = [2, 0, 1];
        _stream.PagedAttention(q, k, v, PagedBatch(good, table, bs), p, dst); // the valid call runs
        _stream.PagedAttention(q, k, v, PagedBatch(good, table, bs, maxContext: 100), p, dst); // a generous maximum too

        string Fails(AttentionSequence[] seqs, int[] tables, DeviceTensor? keys = null, int blockSize = bs, AttentionParams? ps = null, int? maxContext = null) =>
            Assert.Throws<ArgumentException>(() => _stream.PagedAttention(q, keys ?? k, v, PagedBatch(seqs, tables, blockSize, maxContext), ps ?? p, dst)).Message;

        Assert.Contains("sequence 1, position 0: block id 3", Fails(good, [2, 0, 3]));
        Assert.Contains("sequence 0, position 4: block id -1", Fails(good, [2, -1, 1]));
        Assert.Contains("sequence 1 needs 1 block table entries", Fails(good, [2, 0]));
        Assert.Contains("query row 2 belongs to both", Fails([new(0, 3, 2, 0), new(2, 3, 0, 2)], table));
        Assert.Contains("query row 4 of 5 belongs to no sequence", Fails([new(0, 3, 2, 0), new(3, 1, 0, 2)], table));
        Assert.Contains("sequence 1", Fails([new(0, 3, 2, 0), new(3, 3, 0, 2)], table)); // rows past T
        Assert.Contains("sequence 0", Fails([new(0, 3, -1, 0), new(3, 2, 0, 2)], table));
        Assert.Contains("sequence 0 attends over 5 positions, more than the batch's MaxContextLength 4", Fails(good, table, maxContext: 4));
        Assert.Contains("whole number of blocks", Fails(good, table, blockSize: 5));
        Assert.Contains("key and value caches", Fails(good, table, keys: Put(new float[blocks * bs * dh], blocks * bs, dh)));
        Assert.Contains("both f32 or both f16", Fails(good, table, keys: _stream.PutF16(new Half[blocks * bs * hkv * dh], blocks * bs, hkv * dh)));
        Assert.Contains("kv heads must divide heads", Fails(good, table, ps: p with { NumHeads = 3 }));
        Assert.Contains("q must be [T, H·Dh]", Fails(good, table, ps: p with { HeadDim = 4 }));
        Assert.Contains("scale", Fails(good, table, ps: p with { Scale = 0 }));
        Assert.Contains("sliding window", Fails(good, table, ps: p with { SlidingWindow = -1 }));
        var sequences = _stream.PutI32(MemoryMarshal.Cast<AttentionSequence, int>(good), good.Length * 2, 2);
        var e = Assert.Throws<ArgumentException>(() => _stream.PagedAttention(q, k, v, new PagedAttentionBatch(sequences, _stream.PutI32(table), bs, 5), p, dst));
        Assert.Contains("[S, 4] i32", e.Message);
    }

    // Runs the sequences as one batch over a fresh cache laid out by a shuffled table; returns dst [T, H·Dh].
    private float[] RunAlone(Seq[] seqs, int blockSize, Random rng, AttentionParams p, DType kvType = DType.F32)
    {
        var (tables, numBlocks) = Tables(seqs, blockSize, spareBlocks: 2, rng);
        var (keys, values) = Fill(seqs, tables, blockSize, numBlocks, rng);
        var batch = Batch(seqs, tables);
        return RunPaged(batch.Q, keys, values, blockSize, batch.Sequences, batch.Tables, p, kvType);
    }

    // PagedAttention over caches holding keys and values (f32 [rows, Hkv·Dh]; rounded to f16 for an f16 cache).
    private float[] RunPaged(float[] q, float[] keys, float[] values, int blockSize, AttentionSequence[] sequences, int[] tables,
        AttentionParams p, DType kvType = DType.F32)
    {
        int qWidth = p.NumHeads * p.HeadDim, kvWidth = p.NumKvHeads * p.HeadDim;
        int t = q.Length / qWidth, rows = keys.Length / kvWidth;
        var dst = Put(new float[q.Length], t, qWidth);
        DeviceTensor Cache(float[] data) => kvType == DType.F16
            ? _stream.PutF16(data.Select(x => (Half)x).ToArray(), rows, kvWidth)
            : Put(data, rows, kvWidth);
        _stream.PagedAttention(Put(q, t, qWidth), Cache(keys), Cache(values), PagedBatch(sequences, tables, blockSize), p, dst);
        return Get(dst);
    }

    // The batch tensors: sequences [S, 4] i32 and block tables [N, 1] i32.
    private PagedAttentionBatch PagedBatch(AttentionSequence[] sequences, int[] tables, int blockSize, int? maxContext = null) =>
        new(_stream.PutI32(MemoryMarshal.Cast<AttentionSequence, int>(sequences), sequences.Length, 4), _stream.PutI32(tables), blockSize,
            maxContext ?? (sequences.Length == 0 ? 0 : sequences.Max(s => s.ContextLength)));

    private static Seq NewSeq(Random rng, int start, int count, int h, int hkv, int dh) =>
        new(start, count, Random(rng, (start + count) * hkv * dh), Random(rng, (start + count) * hkv * dh), Random(rng, count * h * dh));

    // Rows [start, start + count) of a sequence's queries, with the keys and values of positions up to them.
    private static Seq Chunk(Seq s, int start, int count, int h, int dh)
    {
        int kvWidth = s.Keys.Length / s.Context;
        return new Seq(start, count, s.Keys[..((start + count) * kvWidth)], s.Values[..((start + count) * kvWidth)],
            s.Q.AsSpan(start * h * dh, count * h * dh).ToArray());
    }

    // Every block the sequences need plus spares, handed out in shuffled order: per-sequence tables and the block count.
    private static (int[][] Tables, int NumBlocks) Tables(Seq[] seqs, int blockSize, int spareBlocks, Random rng)
    {
        int needed = seqs.Sum(s => (s.Context + blockSize - 1) / blockSize), numBlocks = needed + spareBlocks;
        int[] order = Enumerable.Range(0, numBlocks).OrderBy(_ => rng.Next()).ToArray();
        var tables = new int[seqs.Length][];
        int next = 0;
        for (int i = 0; i < seqs.Length; i++)
        {
            tables[i] = order[next..(next + (seqs[i].Context + blockSize - 1) / blockSize)];
            next += tables[i].Length;
        }
        return (tables, numBlocks);
    }

    // Caches [numBlocks·blockSize, Hkv·Dh] with each sequence's rows written into its blocks; junk (random, or
    // the given value) everywhere else.
    private static (float[] Keys, float[] Values) Fill(Seq[] seqs, int[][] tables, int blockSize, int numBlocks, Random rng, float? junk = null)
    {
        int kvWidth = seqs[0].Keys.Length / seqs[0].Context;
        float[] keys = Random(rng, numBlocks * blockSize * kvWidth), values = Random(rng, numBlocks * blockSize * kvWidth);
        if (junk is float j)
        {
            keys.AsSpan().Fill(j);
            values.AsSpan().Fill(j);
        }
        for (int i = 0; i < seqs.Length; i++)
        {
            var s = seqs[i];
            for (int pos = 0; pos < s.Context; pos++)
            {
                int row = tables[i][pos / blockSize] * blockSize + pos % blockSize;
                s.Keys.AsSpan(pos * kvWidth, kvWidth).CopyTo(keys.AsSpan(row * kvWidth));
                s.Values.AsSpan(pos * kvWidth, kvWidth).CopyTo(values.AsSpan(row * kvWidth));
            }
        }
        return (keys, values);
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
    private static float[] PlainReference(Seq[] seqs, AttentionParams p)
    {
        var result = new List<float>();
        foreach (var s in seqs)
        {
            var o = new float[s.Q.Length];
            ReferenceOps.AttentionReference(s.Q, s.Keys, s.Values, s.StartPos, p, o);
            result.AddRange(o);
        }
        return result.ToArray();
    }

    private static ushort[] Bits(Half[] values) => MemoryMarshal.Cast<Half, ushort>(values).ToArray();

    private static float[] Widen(Half[] values) => values.Select(x => (float)x).ToArray();

    private DeviceTensor Put(float[] data, int rows, int cols) => _stream.PutF32(data, rows, cols);

    private float[] Get(DeviceTensor t) => _stream.GetF32(t);

    private static float[] Random(Random rng, int n) => TestTensors.Random(rng, n);

    private static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tolerance * MathF.Max(1f, MathF.Abs(expected[i])),
                $"{what}: [{i}] expected {expected[i]}, got {actual[i]}");
    }
}
