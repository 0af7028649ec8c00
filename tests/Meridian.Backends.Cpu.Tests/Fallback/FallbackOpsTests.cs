// Routed ops through FallbackDevice against the same ops on a plain CPU device: the fallback is a CPU with the
// same kernels and thread count, so every result must be the same bits; the byte counters are checked against
// the transfers each op needs, worked out by hand in the comments.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests.Fallback;

public sealed class FallbackOpsTests
{
    [Fact]
    public void MatMul_RoutedQ4_0_EqualsPlainCpuBitForBit()
    {
        const int N = 48, K = 256, T = 3; // N = outputs, K = inputs, T = tokens
        using var rig = new FallbackRig((BackendOp.MatMul, DType.Q4_0));
        var w = rig.Weight("blk.0.attn_q.weight", DType.Q4_0, N, K, seed: 1);
        var x = FallbackRig.Values(new Random(2), T * K);

        var (plain, fallback) = rig.RunBoth((device, stream) =>
        {
            var wt = new DeviceTensor(device.LoadWeights(w, WeightUse.MatMulOnly), 0, DType.Q4_0, N, K);
            var y = FallbackRig.Zeros(device, DType.F32, T, N);
            stream.MatMul(wt, FallbackRig.F32(stream, x, T, K), y);
            return FallbackRig.Bytes(stream, y);
        });

        Assert.Equal(plain, fallback);
        var stats = rig.Device.Stats;
        Assert.Equal(1, stats.CallsOf(BackendOp.MatMul, DType.Q4_0));
        Assert.Equal(T * K * 4, stats.BytesToFallback);   // x: 3·256 f32 = 3072 bytes
        Assert.Equal(T * N * 4, stats.BytesFromFallback); // y: 3·48 f32 = 576 bytes
        Assert.Equal(0, rig.Primary.OpsRun);
    }

    [Fact]
    public void MatMulShared_MixedDtypes_RunsEachSideAndEqualsPlainCpu()
    {
        const int K = 128, T = 2;
        int[] n = [32, 16, 24];
        DType[] types = [DType.Q4_0, DType.Q8_0, DType.Q4_0]; // q4_0 routed, q8_0 on the primary
        using var rig = new FallbackRig((BackendOp.MatMul, DType.Q4_0));
        var weights = Enumerable.Range(0, 3).Select(i => rig.Weight($"w{i}", types[i], n[i], K, seed: 10 + i)).ToArray();
        var x = FallbackRig.Values(new Random(3), T * K);

        var (plain, fallback) = rig.RunBoth((device, stream) =>
        {
            var ws = weights.Select((w, i) => new DeviceTensor(device.LoadWeights(w, WeightUse.MatMulOnly), 0, types[i], n[i], K)).ToArray();
            var ys = n.Select(rows => FallbackRig.Zeros(device, DType.F32, T, rows)).ToArray();
            stream.MatMulShared(FallbackRig.F32(stream, x, T, K), ws, ys);
            return ys.SelectMany(y => FallbackRig.Bytes(stream, y)).ToArray();
        });

        Assert.Equal(plain, fallback);
        var stats = rig.Device.Stats;
        Assert.Equal(2, stats.CallsOf(BackendOp.MatMul, DType.Q4_0));
        Assert.Equal(0, stats.CallsOf(BackendOp.MatMul, DType.Q8_0));
        Assert.Equal(1, rig.Primary.OpsRun);                     // the q8_0 weight
        Assert.Equal(T * K * 4, stats.BytesToFallback);          // x once: 2·128 f32 = 1024 bytes
        Assert.Equal(T * (32 + 24) * 4, stats.BytesFromFallback); // the two q4_0 outputs: 2·56 f32 = 448 bytes
    }

    // A tied table (embedding lookup and output matrix in one q4_0 weight) where the primary lacks one of the two
    // ops: the table is loaded on the fallback, so both ops run there, the unrouted one counted too.
    [Theory]
    [InlineData(BackendOp.MatMul)]
    [InlineData(BackendOp.EmbeddingLookup)]
    public void TiedTable_OneOpRouted_BothRunOnFallbackAndEqualPlainCpu(BackendOp routedOp)
    {
        const int V = 40, D = 64, T = 5; // V = vocabulary, D = hidden
        using var rig = new FallbackRig((routedOp, DType.Q4_0));
        var table = rig.Weight("token_embd.weight", DType.Q4_0, V, D, seed: 4);
        int[] ids = [3, 0, 39, 17, 3];

        var (plain, fallback) = rig.RunBoth((device, stream) =>
        {
            var t = new DeviceTensor(device.LoadWeights(table, WeightUse.Any), 0, DType.Q4_0, V, D);
            var h = FallbackRig.Zeros(device, DType.F32, T, D);
            var logits = FallbackRig.Zeros(device, DType.F32, T, V);
            stream.EmbeddingLookup(t, FallbackRig.I32(stream, ids), h);
            stream.MatMul(t, h, logits);
            return FallbackRig.Bytes(stream, h).Concat(FallbackRig.Bytes(stream, logits)).ToArray();
        });

        Assert.Equal(plain, fallback);
        var stats = rig.Device.Stats;
        Assert.Equal(1, stats.CallsOf(BackendOp.EmbeddingLookup, DType.Q4_0));
        Assert.Equal(1, stats.CallsOf(BackendOp.MatMul, DType.Q4_0));
        Assert.Equal(0, rig.Primary.OpsRun);
        // In: ids 5·4 = 20, then h for the matmul 5·64·4 = 1280. Back: h 1280, then logits 5·40·4 = 800.
        Assert.Equal(20 + 1280, stats.BytesToFallback);
        Assert.Equal(1280 + 800, stats.BytesFromFallback);
        Assert.EndsWith("any op reading token_embd.weight runs there too", rig.Device.Describe());
    }

    // An f16 KV cache on the primary, which lacks f16 ScatterRows, Copy and PagedAttention: keys and values
    // scattered through a shuffled block table, one block copied (copy-on-write), then attention of a prefill and
    // a decode. Caches and output equal the plain device's; only the rows written and the blocks read move.
    [Fact]
    public void KvCacheOps_RoutedF16_EqualPlainCpuAndMoveOnlyRowsInUse()
    {
        // Bs = block size, Blocks in the cache, H = heads, Hkv = kv heads, Dh = head dim, C = Hkv·Dh cache width
        const int Bs = 4, Blocks = 12, H = 4, Hkv = 2, Dh = 16, C = Hkv * Dh;
        using var rig = new FallbackRig((BackendOp.ScatterRows, DType.F16), (BackendOp.Copy, DType.F16), (BackendOp.PagedAttention, DType.F16));
        // Sequence A: a 9-token prefill over blocks 7, 2, 9. Sequence B: a decode at position 19 over 0, 1, 5, 11, 3
        // (0 and 1 consecutive: copied as one run). Blocks 4, 6, 8 and 10 are not in use.
        int[] tables = [7, 2, 9, 0, 1, 5, 11, 3];
        int[] sequences = [0, 9, 0, 0, /**/ 9, 1, 19, 3];
        var rows = new List<int>();
        foreach (var (context, offset) in new[] { (9, 0), (20, 3) })
        {
            for (int p = 0; p < context; p++)
                rows.Add(tables[offset + p / Bs] * Bs + p % Bs);
        }
        int tokens = rows.Count, queries = 10; // 29 positions written, 9 + 1 query rows
        var keys = FallbackRig.Values(new Random(5), tokens * C);
        var values = FallbackRig.Values(new Random(6), tokens * C);
        var q = FallbackRig.Values(new Random(7), queries * H * Dh);
        var marks = new List<FallbackStats>();

        var (plain, fallback) = rig.RunBoth((device, stream) =>
        {
            void Mark()
            {
                if (device is FallbackDevice fd)
                    marks.Add(fd.Stats);
            }
            var k = FallbackRig.Zeros(device, DType.F16, Blocks * Bs, C, BufferUsage.KvCache);
            var v = FallbackRig.Zeros(device, DType.F16, Blocks * Bs, C, BufferUsage.KvCache);
            var rowTensor = FallbackRig.I32(stream, rows.ToArray());
            stream.BeginStep();
            Mark();
            stream.ScatterRows(FallbackRig.F32(stream, keys, tokens, C), rowTensor, k);
            Mark();
            stream.ScatterRows(FallbackRig.F32(stream, values, tokens, C), rowTensor, v);
            stream.Copy(k.SliceRows(9 * Bs, Bs), k.SliceRows(10 * Bs, Bs));
            Mark();
            var dst = FallbackRig.Zeros(device, DType.F32, queries, H * Dh);
            var batch = new PagedAttentionBatch(FallbackRig.I32(stream, sequences, cols: 4), FallbackRig.I32(stream, tables), Bs, MaxContextLength: 20);
            stream.PagedAttention(FallbackRig.F32(stream, q, queries, H * Dh), k, v, batch, AttentionParams.Causal(H, Hkv, Dh), dst);
            Mark();
            stream.SubmitStep();
            return FallbackRig.Bytes(stream, k).Concat(FallbackRig.Bytes(stream, v)).Concat(FallbackRig.Bytes(stream, dst)).ToArray();
        });

        Assert.Equal(plain, fallback);
        Assert.Equal(0, rig.Primary.OpsRun);
        var last = marks[^1];
        Assert.Equal(2, last.CallsOf(BackendOp.ScatterRows, DType.F16));
        Assert.Equal(1, last.CallsOf(BackendOp.Copy, DType.F16));
        Assert.Equal(1, last.CallsOf(BackendOp.PagedAttention, DType.F16));
        const int rowBytes = C * 2; // an f16 cache row: 64 bytes
        // ScatterRows: src 29·32 f32 = 3712 and rows 29·4 = 116 in; only the 29 rows written back, 29·64 = 1856.
        Assert.Equal(tokens * C * 4 + tokens * 4, marks[1].BytesToFallback - marks[0].BytesToFallback);
        Assert.Equal(tokens * rowBytes, marks[1].BytesFromFallback - marks[0].BytesFromFallback);
        // After V's scatter, Copy: one block (4 rows, 256 bytes) each way.
        Assert.Equal(tokens * C * 4 + tokens * 4 + Bs * rowBytes, marks[2].BytesToFallback - marks[1].BytesToFallback);
        Assert.Equal(tokens * rowBytes + Bs * rowBytes, marks[2].BytesFromFallback - marks[1].BytesFromFallback);
        // PagedAttention in: q 10·64 f32 = 2560, sequences 32, tables 32, and the 8 blocks in use of K and of V
        // (8·4 rows·64 = 2048 each; the 12-block caches would be 3072 each). Back: dst, 2560.
        Assert.Equal(queries * H * Dh * 4 + 32 + 32 + 2 * 8 * Bs * rowBytes, marks[3].BytesToFallback - marks[2].BytesToFallback);
        Assert.Equal(queries * H * Dh * 4, marks[3].BytesFromFallback - marks[2].BytesFromFallback);
    }

    // A layer's activation ops routed (as on a primary without f32 kernels) and q4_0 matmuls, mixed with ops the
    // primary runs, in one step: each routed op sees the primary's earlier results, in-place ops stay in place
    // (RmsNorm dst = x, SwiGlu dst = gate, Add dst = a), and an Add whose broadcast row lies inside its own
    // destination overlaps on the fallback exactly as on the primary.
    [Fact]
    public void ActivationOps_RoutedInOneStep_EqualPlainCpuBitForBit()
    {
        using var rig = new FallbackRig(ActivationRouting);
        var weights = ActivationWeights(rig);
        var (plain, fallback) = rig.RunBoth((device, stream) =>
        {
            var chain = new ActivationChain(device, stream, weights);
            chain.Run();
            return chain.Results();
        });

        Assert.Equal(plain, fallback);
        var stats = rig.Device.Stats;
        foreach (var (op, type) in ActivationRouting)
            Assert.Equal(op == BackendOp.Add ? 2 : 1, stats.CallsOf(op, type));
        Assert.Equal(3, rig.Primary.OpsRun); // the f32 copy, the f32 projection and the q8_0 half of the shared matmul
    }

    [Fact]
    public void RoutedOps_AfterWarmUp_AllocateNoMoreThanPlainCpu()
    {
        using var rig = new FallbackRig(ActivationRouting);
        var weights = ActivationWeights(rig);
        var (plain, fallback) = rig.RunBoth((device, stream) =>
        {
            var chain = new ActivationChain(device, stream, weights);
            chain.Run(); // warm-up: scratch, staging and the kernels' own buffers reach their size
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 3; i++)
                chain.Run();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        });

        Assert.True(fallback <= plain, $"{fallback} bytes allocated by 3 routed chains, {plain} by the plain device's");
    }

    [Fact]
    public void KvCacheOps_AfterWarmUp_AllocateNoMoreThanPlainCpu()
    {
        const int Bs = 4, Blocks = 6, H = 4, Hkv = 2, Dh = 16, C = Hkv * Dh, T = 3; // as above; T = decode rows
        using var rig = new FallbackRig((BackendOp.ScatterRows, DType.F16), (BackendOp.PagedAttention, DType.F16));
        var (plain, fallback) = rig.RunBoth((device, stream) =>
        {
            var k = FallbackRig.Zeros(device, DType.F16, Blocks * Bs, C, BufferUsage.KvCache);
            var v = FallbackRig.Zeros(device, DType.F16, Blocks * Bs, C, BufferUsage.KvCache);
            var kv = FallbackRig.F32(stream, FallbackRig.Values(new Random(8), T * C), T, C);       // [T, C] f32
            var q = FallbackRig.F32(stream, FallbackRig.Values(new Random(9), T * H * Dh), T, H * Dh); // [T, H·Dh] f32
            var dst = FallbackRig.Zeros(device, DType.F32, T, H * Dh);
            // Three one-token decodes at positions 5, 2 and 9 over tables [4, 1], [0] and [5, 3, 2].
            var rows = FallbackRig.I32(stream, [1 * Bs + 1, 0 * Bs + 2, 2 * Bs + 1]);
            var batch = new PagedAttentionBatch(FallbackRig.I32(stream, [0, 1, 5, 0, 1, 1, 2, 2, 2, 1, 9, 3], cols: 4),
                FallbackRig.I32(stream, [4, 1, 0, 5, 3, 2]), Bs, MaxContextLength: 10);
            var p = AttentionParams.Causal(H, Hkv, Dh);
            void Step()
            {
                stream.BeginStep();
                stream.ScatterRows(kv, rows, k);
                stream.ScatterRows(kv, rows, v);
                stream.PagedAttention(q, k, v, batch, p, dst);
                stream.SubmitStep();
            }
            Step();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 3; i++)
                Step();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        });

        Assert.True(fallback <= plain, $"{fallback} bytes allocated by 3 routed steps, {plain} by the plain device's");
        Assert.Equal(8, rig.Device.Stats.CallsOf(BackendOp.ScatterRows, DType.F16));
    }

    private static readonly (BackendOp Op, DType Type)[] ActivationRouting =
    [
        (BackendOp.MatMul, DType.Q4_0), (BackendOp.RmsNorm, DType.F32), (BackendOp.Rope, DType.F32), (BackendOp.Add, DType.F32),
        (BackendOp.SwiGlu, DType.F32), (BackendOp.Softmax, DType.F32), (BackendOp.GatherRows, DType.F32), (BackendOp.ArgMax, DType.F32),
    ];

    private static WeightData[] ActivationWeights(FallbackRig rig) =>
    [
        rig.Weight("norm", DType.F32, 1, ActivationChain.D, seed: 20),
        rig.Weight("wq", DType.F32, ActivationChain.D, ActivationChain.D, seed: 21),
        rig.Weight("gate", DType.Q4_0, ActivationChain.F, ActivationChain.D, seed: 22),
        rig.Weight("up", DType.Q8_0, ActivationChain.F, ActivationChain.D, seed: 23),
    ];

    // T = tokens, D = hidden, F = ffn width, Dh = rope head dim.
    private sealed class ActivationChain
    {
        public const int T = 5, D = 64, F = 96, Dh = 16;
        private readonly IComputeStream _stream;
        private readonly DeviceTensor _xInit, _x, _norm, _wq, _q, _wGate, _wUp, _gate, _up, _positions, _rows, _sel, _argMax;
        private readonly DeviceTensor[] _ws, _ys;
        private readonly RopeSpec _rope = new(Dh, 10000f, RopeLayout.RotateHalf);

        public ActivationChain(IDevice device, IComputeStream stream, WeightData[] w)
        {
            _stream = stream;
            _xInit = FallbackRig.F32(stream, FallbackRig.Values(new Random(30), T * D), T, D); // [T, D] f32
            _x = FallbackRig.Zeros(device, DType.F32, T, D);                                  // [T, D] f32
            _norm = new DeviceTensor(device.LoadWeights(w[0], WeightUse.Any), 0, DType.F32, 1, D);
            _wq = new DeviceTensor(device.LoadWeights(w[1], WeightUse.MatMulOnly), 0, DType.F32, D, D);
            _wGate = new DeviceTensor(device.LoadWeights(w[2], WeightUse.MatMulOnly), 0, DType.Q4_0, F, D);
            _wUp = new DeviceTensor(device.LoadWeights(w[3], WeightUse.MatMulOnly), 0, DType.Q8_0, F, D);
            _q = FallbackRig.Zeros(device, DType.F32, T, D);                                  // [T, D] f32
            // gate and up in one buffer, side by side in rows: [T, F] each
            var gu = device.Allocate(2L * T * F * 4, BufferUsage.Scratch);
            _gate = DeviceTensor.F32(gu, T, F);
            _up = DeviceTensor.F32(gu, T, F, byteOffset: (long)T * F * 4);
            _positions = FallbackRig.I32(stream, [0, 1, 2, 7, 8]);                            // [T, 1] i32
            _rows = FallbackRig.I32(stream, [4, 1]);                                          // [2, 1] i32
            _sel = FallbackRig.Zeros(device, DType.F32, 2, F);                                // [2, F] f32
            _argMax = FallbackRig.Zeros(device, DType.I32, 2, 1);                             // [2, 1] i32
            _ws = [_wGate, _wUp];
            _ys = [_gate, _up];
        }

        public void Run()
        {
            _stream.BeginStep();
            _stream.Copy(_xInit, _x);                    // f32 copy: not routed
            _stream.RmsNorm(_x, _norm, 1e-5f, _x);       // in place
            _stream.MatMul(_wq, _x, _q);                 // on the primary
            _stream.Rope(_q, _positions, _rope);
            _stream.Add(_q, _x, _q);                     // dst = a
            _stream.Add(_q, _q.SliceRows(2, 1), _q);     // b is row 2 of dst itself
            _stream.MatMulShared(_q, _ws, _ys);          // gate on the fallback, up on the primary
            _stream.SwiGlu(_gate, _up, _gate);           // dst = gate
            _stream.Softmax(_gate);
            _stream.GatherRows(_gate, _rows, _sel);
            _stream.ArgMax(_sel, _argMax);
            _stream.SubmitStep();
        }

        public byte[] Results() =>
        [
            .. FallbackRig.Bytes(_stream, _x), .. FallbackRig.Bytes(_stream, _q), .. FallbackRig.Bytes(_stream, _gate),
            .. FallbackRig.Bytes(_stream, _up), .. FallbackRig.Bytes(_stream, _sel), .. FallbackRig.Bytes(_stream, _argMax),
        ];
    }
}
