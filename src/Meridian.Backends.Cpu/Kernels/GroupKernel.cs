// The int8 matmul driver shared by every block-quantized weight type: the type's IGroupDecoder turns
// 256 weights into interleaved codes + 8 block scales (+ mins), and this loop dots them with Q8
// activations so that each int32 lane accumulates one block and scales apply 8 blocks at a time.
// Same maths as ggml's ggml_vec_dot_*_q8_* (ggml-quants.c, MIT); the lane-per-block layout is ours.
// Hot methods are AggressiveOptimization: jitted once, fully optimised, never run as tier-0 or OSR code.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Meridian.Backends.Cpu.Kernels;

/// <summary>y = x · wᵀ for a weight type decoded by <typeparamref name="TDec"/>.</summary>
internal unsafe struct GroupKernel<TDec> where TDec : struct, IGroupDecoder
{
    /// <summary>Bytes of one decoded group in scratch: 256 codes, 8 scales (16 with HalfScales), 8 mins.</summary>
    public const int DecodedBytes = 256 + 64 + 32;

    // Offsets in a decoded group: scales of the blocks (of their first halves with HalfScales), of the
    // second halves, and the mins.
    private const int ScaleAt = 256, Scale2At = 288, MinAt = 320;

    /// <summary>
    /// How far ahead of the group being decoded the decode path prefetches weights (every line of the
    /// group there, for both rows). Far ahead pays: the core then keeps enough misses in flight to
    /// stream DRAM. TinyLlama tg64, 2 threads, t/s by distance: Q4_0 36 (none), 41 (2 KiB), 68 (8-32 KiB);
    /// Q4_K_M 47 (4 KiB), 60 (8-32 KiB); Q8_0 37.6 (8 KiB), 50.9 (16 KiB), 50.0 (32 KiB).
    /// </summary>
    private const int PrefetchAhead = 16384;

    /// <summary>Tokens per register tile of the two-row prefill tile: 10 int32 accumulators, so each
    /// dot instruction's result is needed only 5 instructions later (its latency), at 2 per cycle.</summary>
    private const int PairTile = 5;

    /// <summary>Tokens from which rows are decoded once into scratch and run in prefill tiles.</summary>
    private const int PrefillMinTokens = 4;

    /// <summary>Most tokens of a small batch (a few sequences decoding together) that types with a register
    /// decode run through <see cref="DotRegistersTokens"/>: each group decoded once, dotted with every token.</summary>
    private const int SmallBatchTokens = 4;

    /// <summary>
    /// y[t · ldy + r] for rows [r0, r1) and tokens [t0, t1). scratch: DecodedBytes · groups bytes, 32-byte
    /// aligned, the worker's own. With several tokens each row is decoded once into scratch and reused.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(byte* w, long rowBytes, int r0, int r1, QuantizedActivations x, int t0, int t1, float* y, int ldy, byte* scratch)
    {
        int groups = x.PaddedK / QuantizedActivations.GroupSize;
        int k = TDec.WholeGroups ? x.PaddedK : x.K; // the weights' row length as the decode sees it
        byte* scratch1 = scratch + (long)groups * DecodedBytes;
        for (int r = r0; r < r1; r++)
        {
            byte* row = w + r * rowBytes;
            if (TDec.HasRegisterDecode && CpuIsa.Avx2 && t1 - t0 >= 2 && t1 - t0 <= SmallBatchTokens)
            {
                // A few sequences decoding together: weights read once, not once per token.
                DotRegistersTokens(row, k, groups, x, t0, t1, y + (long)t0 * ldy + r, ldy, scratch);
                continue;
            }
            if (t1 - t0 >= PrefillMinTokens && CpuIsa.Avx2)
            {
                DecodeRow(row, k, groups, scratch);
                int t = t0;
                if (r + 1 < r1)
                {
                    // Two rows at once: each activation load feeds two dot instructions.
                    DecodeRow(row + rowBytes, k, groups, scratch1);
                    for (; t + PairTile <= t1; t += PairTile)
                        Tile2x5(scratch, scratch1, groups, x, t, y + (long)t * ldy + r, ldy);
                    for (; t < t1; t++)
                    {
                        y[(long)t * ldy + r] = DotDecoded(scratch, groups, x, t);
                        y[(long)t * ldy + r + 1] = DotDecoded(scratch1, groups, x, t);
                    }
                    r++;
                    continue;
                }
                // An odd last row (rare: ranges split in halves of even segments) goes token by token.
                for (; t < t1; t++)
                    y[(long)t * ldy + r] = DotDecoded(scratch, groups, x, t);
            }
            else if (CpuIsa.Avx2 && r + 1 < r1)
            {
                // Decode (one or a few tokens): two rows per pass give the core two independent streams.
                for (int t = t0; t < t1; t++)
                    Dot2(row, row + rowBytes, k, groups, x, t, y + (long)t * ldy + r);
                r++;
            }
            else
            {
                for (int t = t0; t < t1; t++)
                    y[(long)t * ldy + r] = Dot(row, k, groups, x, t);
            }
        }
    }

    /// <summary>
    /// Decodes every group of a row (the last one zero-padded) into scratch, prefetching PrefetchAhead
    /// bytes ahead as the decode path does (rows are contiguous, so this runs into the next rows).
    /// Without it a batched decode step (T = 16) spent a third of its time here waiting on DRAM.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void DecodeRow(byte* row, int k, int groups, byte* scratch)
    {
        int full = k / QuantizedActivations.GroupSize;
        for (int g = 0; g < groups; g++)
        {
            if (g < full)
                Prefetch(row + (long)g * TDec.GroupBytes + PrefetchAhead);
            DecodeGroup(row, k, g, scratch + g * DecodedBytes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DecodeGroup(byte* row, int k, int g, byte* dst)
    {
        int full = k / QuantizedActivations.GroupSize;
        if (g < full)
        {
            DecodeTo(row + (long)g * TDec.GroupBytes, dst);
            return;
        }
        DecodeTail(row, k, g, full, dst);
    }

    // One group of file bytes into the decoded layout: through the register decode where the type has
    // one (its Decode then only serves CPUs without AVX2), else the type's own Decode.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DecodeTo(byte* src, byte* dst)
    {
        if (!TDec.HasRegisterDecode)
        {
            TDec.Decode(src, dst, (float*)(dst + ScaleAt), (float*)(dst + MinAt));
            return;
        }
        TDec.DecodeRegisters(src, out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7,
            out var scale, out var scale2, out var min);
        c0.Store(dst);
        c1.Store(dst + 32);
        c2.Store(dst + 64);
        c3.Store(dst + 96);
        c4.Store(dst + 128);
        c5.Store(dst + 160);
        c6.Store(dst + 192);
        c7.Store(dst + 224);
        scale.Store((float*)(dst + ScaleAt));
        if (TDec.HalfScales)
            scale2.Store((float*)(dst + Scale2At));
        if (TDec.HasMin)
            min.Store((float*)(dst + MinAt));
    }

    // Tail: fewer than 8 blocks left in the row. Decode a zero-padded copy (zero bytes decode to
    // scale 0, and the padded activations are zero too), never reading past the row. Not inlined:
    // its stackalloc must not sit inside the callers' loops.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DecodeTail(byte* row, int k, int g, int full, byte* dst)
    {
        byte* pad = stackalloc byte[TDec.GroupBytes];
        new Span<byte>(pad, TDec.GroupBytes).Clear();
        int blocks = (k - full * QuantizedActivations.GroupSize) / 32;
        Buffer.MemoryCopy(row + (long)g * TDec.GroupBytes, pad, TDec.GroupBytes, blocks * (TDec.GroupBytes / 8));
        DecodeTo(pad, dst);
    }

    /// <summary>
    /// Token t's code sums for group g as <see cref="Init"/> reads them: the 8 block sums, or with
    /// HalfScales the 8 first-half sums followed by the 8 second-half sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int* SumsOf(QuantizedActivations x, int t, int g) =>
        TDec.HalfScales ? x.Sums16 + (long)t * x.Blocks * 2 + g * 16 : x.Sums + (long)t * x.Blocks + g * 8;

    /// <summary>One row against one token, decoding group by group through a small stack buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(byte* row, int k, int groups, QuantizedActivations x, int t)
    {
        byte* dec = stackalloc byte[DecodedBytes + 32];
        dec = (byte*)(((nint)dec + 31) & ~(nint)31);
        if (!CpuIsa.Avx2)
            return Dot128Supported ? DotVector128(row, k, groups, x, t, dec) : DotScalar(row, k, groups, x, t, dec);
        long ko = (long)t * x.PaddedK;
        long bo = (long)t * x.Blocks;
        var acc = Vector256<float>.Zero;
        for (int g = 0; g < groups; g++)
        {
            DecodeGroup(row, k, g, dec);
            acc = Accumulate(dec, x.Qs + ko + g * 256, x.D + bo + g * 8, x.DS + bo + g * 8, SumsOf(x, t, g), acc);
        }
        return Vector256.Sum(acc);
    }

    /// <summary>Two rows against one token: y[0] = row0 · x_t, y[1] = row1 · x_t (AVX2 only).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Dot2(byte* row0, byte* row1, int k, int groups, QuantizedActivations x, int t, float* y)
    {
        byte* buffer = stackalloc byte[2 * DecodedBytes + 32];
        byte* dec0 = (byte*)(((nint)buffer + 31) & ~(nint)31), dec1 = dec0 + DecodedBytes;
        long ko = (long)t * x.PaddedK;
        long bo = (long)t * x.Blocks;
        Vector256<float> acc0 = default, acc1 = default;
        if (TDec.HasRegisterDecode)
        {
            Dot2Registers(row0, row1, k, groups, x, t, y, dec0);
            return;
        }
        for (int g = 0; g < groups; g++)
        {
            // Decoding streams weights from DRAM with nothing to hide the latency behind: ask for the
            // lines PrefetchAhead bytes on (past a row's end that is the next row pair, rows being contiguous).
            Prefetch(row0 + (long)g * TDec.GroupBytes + PrefetchAhead);
            Prefetch(row1 + (long)g * TDec.GroupBytes + PrefetchAhead);
            DecodeGroup(row0, k, g, dec0);
            DecodeGroup(row1, k, g, dec1);
            sbyte* a = x.Qs + ko + g * 256;
            float* da = x.D + bo + g * 8, ds = x.DS + bo + g * 8;
            int* sums = SumsOf(x, t, g);
            acc0 = Accumulate(dec0, a, da, ds, sums, acc0);
            acc1 = Accumulate(dec1, a, da, ds, sums, acc1);
        }
        y[0] = Vector256.Sum(acc0);
        y[1] = Vector256.Sum(acc1);
    }

    // Dot2 for types with a register decode: each group goes from the file bytes straight into the
    // dot instructions; Init vectors and activation scales are shared by the two rows.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Dot2Registers(byte* row0, byte* row1, int k, int groups, QuantizedActivations x, int t, float* y, byte* dec)
    {
        long ko = (long)t * x.PaddedK;
        long bo = (long)t * x.Blocks;
        int full = k / QuantizedActivations.GroupSize;
        Vector256<float> acc0 = default, acc1 = default;
        for (int g = 0; g < groups; g++)
        {
            sbyte* a = x.Qs + ko + g * 256;
            float* da = x.D + bo + g * 8, ds = x.DS + bo + g * 8;
            int* sums = SumsOf(x, t, g);
            if (g < full)
            {
                Prefetch(row0 + (long)g * TDec.GroupBytes + PrefetchAhead);
                Prefetch(row1 + (long)g * TDec.GroupBytes + PrefetchAhead);
                if (TDec.HalfScales)
                {
                    // Few values live across the two rows: this type's decode needs the registers.
                    acc0 = DotRegisters(row0 + (long)g * TDec.GroupBytes, a, Vector256.Load(da), default, Init(sums), Init(sums + 8), acc0);
                    acc1 = DotRegisters(row1 + (long)g * TDec.GroupBytes, a, Vector256.Load(da), default, Init(sums), Init(sums + 8), acc1);
                }
                else
                {
                    var vda = Vector256.Load(da);
                    var init = Init(sums);
                    var vds = TDec.HasMin ? Vector256.Load(ds) : default;
                    acc0 = DotRegisters(row0 + (long)g * TDec.GroupBytes, a, vda, vds, init, Vector256<int>.Zero, acc0);
                    acc1 = DotRegisters(row1 + (long)g * TDec.GroupBytes, a, vda, vds, init, Vector256<int>.Zero, acc1);
                }
            }
            else
                Dot2Tail(row0, row1, k, g, dec, a, da, ds, sums, ref acc0, ref acc1);
        }
        y[0] = Vector256.Sum(acc0);
        y[1] = Vector256.Sum(acc1);
    }

    /// <summary>
    /// One row against tokens [t0, t1) (at most SmallBatchTokens): each group is decoded once in registers
    /// and dotted with every token through <see cref="DotGroup"/>, the chains <see cref="Dot2Registers"/>
    /// writes out, so a sequence's results do not depend on how many others share its step. y[(t - t0) · ldy].
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void DotRegistersTokens(byte* row, int k, int groups, QuantizedActivations x, int t0, int t1, float* y, int ldy, byte* dec)
    {
        int full = k / QuantizedActivations.GroupSize;
        var acc = stackalloc Vector256<float>[SmallBatchTokens];
        for (int i = 0; i < SmallBatchTokens; i++)
            acc[i] = Vector256<float>.Zero;
        for (int g = 0; g < groups; g++)
        {
            if (g < full)
            {
                byte* src = row + (long)g * TDec.GroupBytes;
                Prefetch(src + PrefetchAhead);
                TDec.DecodeRegisters(src, out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7,
                    out var scale, out var scale2, out var min);
                for (int t = t0; t < t1; t++)
                {
                    sbyte* a = x.Qs + (long)t * x.PaddedK + g * 256;
                    long bo = (long)t * x.Blocks + g * 8;
                    int* sums = SumsOf(x, t, g);
                    var da = Vector256.Load(x.D + bo);
                    // As Dot2Registers passes them: HalfScales types fold their mins into the sums.
                    var ds = !TDec.HalfScales && TDec.HasMin ? Vector256.Load(x.DS + bo) : default;
                    var init2 = TDec.HalfScales ? Init(sums + 8) : Vector256<int>.Zero;
                    acc[t - t0] = DotGroup(c0, c1, c2, c3, c4, c5, c6, c7, scale, scale2, min, a, da, ds, Init(sums), init2, acc[t - t0]);
                }
            }
            else
            {
                // The zero-padded last group through memory, as Dot2Tail does it.
                DecodeGroup(row, k, g, dec);
                for (int t = t0; t < t1; t++)
                {
                    long bo = (long)t * x.Blocks + g * 8;
                    acc[t - t0] = Accumulate(dec, x.Qs + (long)t * x.PaddedK + g * 256, x.D + bo, x.DS + bo, SumsOf(x, t, g), acc[t - t0]);
                }
            }
        }
        for (int t = t0; t < t1; t++)
            y[(long)(t - t0) * ldy] = Vector256.Sum(acc[t - t0]);
    }

    // The zero-padded last group of rows whose length is not a whole group, through memory. Kept out
    // of line so that the hot loop above stays within the JIT's inlining budget.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Dot2Tail(byte* row0, byte* row1, int k, int g, byte* dec, sbyte* a, float* da, float* ds, int* sums,
        ref Vector256<float> acc0, ref Vector256<float> acc1)
    {
        DecodeGroup(row0, k, g, dec);
        acc0 = Accumulate(dec, a, da, ds, sums, acc0);
        DecodeGroup(row1, k, g, dec);
        acc1 = Accumulate(dec, a, da, ds, sums, acc1);
    }

    // One group of one row from its file bytes, decoded in registers: the same chains as DotGroup,
    // written out because any extra inline level (DotGroup, even a shared finishing step) puts the two
    // calls in Dot2Registers over the JIT's inlining budget, and its dot helpers then stay calls.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> DotRegisters(byte* src, sbyte* a, Vector256<float> da, Vector256<float> ds,
        Vector256<int> init, Vector256<int> init2, Vector256<float> acc)
    {
        TDec.DecodeRegisters(src, out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7,
            out var scale, out var scale2, out var min);
        var ia = DotCodes(init, c0, Vector256.Load(a));
        var ib = DotCodes(Vector256<int>.Zero, c2, Vector256.Load(a + 64));
        var ic = DotCodes(init2, c4, Vector256.Load(a + 128));
        var id = DotCodes(Vector256<int>.Zero, c6, Vector256.Load(a + 192));
        ia = DotCodes(ia, c1, Vector256.Load(a + 32));
        ib = DotCodes(ib, c3, Vector256.Load(a + 96));
        ic = DotCodes(ic, c5, Vector256.Load(a + 160));
        id = DotCodes(id, c7, Vector256.Load(a + 224));
        if (TDec.HalfScales)
        {
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(ia + ib), scale * da, acc);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(ic + id), scale2 * da, acc);
        }
        else
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single((ia + ib) + (ic + id)), scale * da, acc);
        if (TDec.HasMin)
            acc = Fma.MultiplyAddNegated(min, ds, acc);
        return acc;
    }

    // Every cache line of one group's bytes (GroupBytes is 144..272: three to five lines).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(byte* p)
    {
        if (!Sse.IsSupported)
            return;
        for (int o = 0; o < TDec.GroupBytes; o += 64)
            Sse.Prefetch0(p + o);
    }

    /// <summary>One decoded row (scratch) against one token.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float DotDecoded(byte* dec, int groups, QuantizedActivations x, int t)
    {
        long ko = (long)t * x.PaddedK;
        long bo = (long)t * x.Blocks;
        var acc = Vector256<float>.Zero;
        for (int g = 0; g < groups; g++)
            acc = Accumulate(dec + g * DecodedBytes, x.Qs + ko + g * 256, x.D + bo + g * 8, x.DS + bo + g * 8, SumsOf(x, t, g), acc);
        return Vector256.Sum(acc);
    }

    // One decoded group (scratch) against one token's activations.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(byte* dec, sbyte* a, float* da, float* ds, int* sums, Vector256<float> acc) =>
        DotGroup(Vector256.Load(dec), Vector256.Load(dec + 32), Vector256.Load(dec + 64), Vector256.Load(dec + 96),
            Vector256.Load(dec + 128), Vector256.Load(dec + 160), Vector256.Load(dec + 192), Vector256.Load(dec + 224),
            Vector256.Load((float*)(dec + ScaleAt)), TDec.HalfScales ? Vector256.Load((float*)(dec + Scale2At)) : default,
            TDec.HasMin ? Vector256.Load((float*)(dec + MinAt)) : default,
            a, Vector256.Load(da), TDec.HasMin ? Vector256.Load(ds) : default, Init(sums), TDec.HalfScales ? Init(sums + 8) : default, acc);

    // The 8 code vectors of one group against one token: four chains of two dot instructions (first
    // halves of the blocks in ia/ib, second halves in ic/id, so HalfScales can scale them apart), then
    // acc += lanes · scale · activation scale (− min · d·Σ codes).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> DotGroup(Vector256<byte> c0, Vector256<byte> c1, Vector256<byte> c2, Vector256<byte> c3,
        Vector256<byte> c4, Vector256<byte> c5, Vector256<byte> c6, Vector256<byte> c7,
        Vector256<float> scale, Vector256<float> scale2, Vector256<float> min,
        sbyte* a, Vector256<float> da, Vector256<float> ds, Vector256<int> init, Vector256<int> init2, Vector256<float> acc)
    {
        var ia = DotCodes(init, c0, Vector256.Load(a));
        var ib = DotCodes(Vector256<int>.Zero, c2, Vector256.Load(a + 64));
        var ic = DotCodes(init2, c4, Vector256.Load(a + 128));
        var id = DotCodes(Vector256<int>.Zero, c6, Vector256.Load(a + 192));
        ia = DotCodes(ia, c1, Vector256.Load(a + 32));
        ib = DotCodes(ib, c3, Vector256.Load(a + 96));
        ic = DotCodes(ic, c5, Vector256.Load(a + 160));
        id = DotCodes(id, c7, Vector256.Load(a + 224));
        return Finish(ia + ib, ic + id, scale, scale2, min, da, ds, acc);
    }

    // acc += lanes · scale · activation scale (first and second halves apart with HalfScales) − min · d·Σ codes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Finish(Vector256<int> first, Vector256<int> second, Vector256<float> scale, Vector256<float> scale2,
        Vector256<float> min, Vector256<float> da, Vector256<float> ds, Vector256<float> acc)
    {
        if (TDec.HalfScales)
        {
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(first), scale * da, acc);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(second), scale2 * da, acc);
        }
        else
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(first + second), scale * da, acc);
        if (TDec.HasMin)
            acc = Fma.MultiplyAddNegated(min, ds, acc);
        return acc;
    }

    /// <summary>The int32 lanes' start value: minus offset · Σ codes of each block or half block (0 without an offset).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Init(int* sums)
    {
        int shift = TDec.Signed ? (CpuIsa.AvxVnni ? 7 : -1) : TDec.BiasShift;
        if (shift < 0)
            return Vector256<int>.Zero;
        return Vector256<int>.Zero - Vector256.ShiftLeft(Vector256.Load(sums), shift);
    }

    /// <summary>Adds code · activation products to the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> DotCodes(Vector256<int> acc, Vector256<byte> codes, Vector256<sbyte> a) =>
        DotPrepared(acc, Prepare(codes), a);

    /// <summary>Codes as the dot instruction takes them: signed codes on VNNI get +128 (offset removed in <see cref="Init"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Prepare(Vector256<byte> codes) =>
        TDec.Signed && CpuIsa.AvxVnni ? codes ^ Vector256.Create((byte)0x80) : codes;

    /// <summary>acc + Σ codes · a per lane, codes from <see cref="Prepare"/>; signed codes without VNNI go through |w| · sign(a, w).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> DotPrepared(Vector256<int> acc, Vector256<byte> codes, Vector256<sbyte> a) =>
        TDec.Signed && !CpuIsa.AvxVnni ? IntDot.DotS(acc, codes.AsSByte(), a) : IntDot.DotU(acc, codes, a);

    // 2 rows x 5 tokens: 10 int32 accumulators stay in registers (with 2 code and 1 activation vector:
    // 13 of the 16 a VEX dot instruction can name), each activation vector is loaded once for both
    // rows; the 10 float sums live in a stack array (touched once per half group).
    // HalfScales: scaled and restarted at j = 128.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile2x5(byte* scratch0, byte* scratch1, int groups, QuantizedActivations x, int t, float* y, int ldy)
    {
        long kp = x.PaddedK, nb = x.Blocks;
        long ns = TDec.HalfScales ? 2 * nb : nb; // per token, the sums Init reads (SumsOf)
        sbyte* a0 = x.Qs + t * kp;
        float* d0 = x.D + t * nb;
        int* u0 = SumsOf(x, t, 0);
        // Float sums [row][token] as locals: with AVX-512 the JIT keeps them in ymm16-31, which the VEX
        // dot instruction cannot name anyway, so the loop's 13 low registers stay free.
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default, c04 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default, c14 = default;
        for (int g = 0; g < groups; g++)
        {
            byte* dec0 = scratch0 + g * DecodedBytes, dec1 = scratch1 + g * DecodedBytes;
            long go = g * 256, bo = g * 8, so = TDec.HalfScales ? g * 16 : g * 8;
            if (TDec.HalfScales)
            {
                Half(dec0, dec1, a0 + go, kp, u0 + so, ns, 0, ScaleAt, d0 + bo, nb, false,
                    ref c00, ref c01, ref c02, ref c03, ref c04, ref c10, ref c11, ref c12, ref c13, ref c14);
                Half(dec0, dec1, a0 + go, kp, u0 + so + 8, ns, 128, Scale2At, d0 + bo, nb, false,
                    ref c00, ref c01, ref c02, ref c03, ref c04, ref c10, ref c11, ref c12, ref c13, ref c14);
            }
            else
            {
                Half(dec0, dec1, a0 + go, kp, u0 + so, ns, 0, ScaleAt, d0 + bo, nb, true,
                    ref c00, ref c01, ref c02, ref c03, ref c04, ref c10, ref c11, ref c12, ref c13, ref c14);
            }
            if (TDec.HasMin)
            {
                var m0 = Vector256.Load((float*)(dec0 + MinAt));
                var m1 = Vector256.Load((float*)(dec1 + MinAt));
                float* ds = x.DS + t * nb + bo;
                var dsk = Vector256.Load(ds);
                c00 = Fma.MultiplyAddNegated(m0, dsk, c00);
                c10 = Fma.MultiplyAddNegated(m1, dsk, c10);
                dsk = Vector256.Load(ds + nb);
                c01 = Fma.MultiplyAddNegated(m0, dsk, c01);
                c11 = Fma.MultiplyAddNegated(m1, dsk, c11);
                dsk = Vector256.Load(ds + 2 * nb);
                c02 = Fma.MultiplyAddNegated(m0, dsk, c02);
                c12 = Fma.MultiplyAddNegated(m1, dsk, c12);
                dsk = Vector256.Load(ds + 3 * nb);
                c03 = Fma.MultiplyAddNegated(m0, dsk, c03);
                c13 = Fma.MultiplyAddNegated(m1, dsk, c13);
                dsk = Vector256.Load(ds + 4 * nb);
                c04 = Fma.MultiplyAddNegated(m0, dsk, c04);
                c14 = Fma.MultiplyAddNegated(m1, dsk, c14);
            }
        }
        y[0] = Vector256.Sum(c00);
        y[1] = Vector256.Sum(c10);
        y[ldy] = Vector256.Sum(c01);
        y[ldy + 1] = Vector256.Sum(c11);
        y[2 * ldy] = Vector256.Sum(c02);
        y[2 * ldy + 1] = Vector256.Sum(c12);
        y[3 * ldy] = Vector256.Sum(c03);
        y[3 * ldy + 1] = Vector256.Sum(c13);
        y[4 * ldy] = Vector256.Sum(c04);
        y[4 * ldy + 1] = Vector256.Sum(c14);
    }

    // Code vectors [j0, j0 + 128) (or all 256 when whole) of one group for 2 rows x 5 tokens, then
    // c[row][token] += lanes · (scale at scaleAt) · activation scales.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Half(byte* dec0, byte* dec1, sbyte* a0, long kp, int* sums, long ns, int j0, int scaleAt,
        float* d0, long nb, bool whole,
        ref Vector256<float> c00, ref Vector256<float> c01, ref Vector256<float> c02, ref Vector256<float> c03, ref Vector256<float> c04,
        ref Vector256<float> c10, ref Vector256<float> c11, ref Vector256<float> c12, ref Vector256<float> c13, ref Vector256<float> c14)
    {
        var j0i = Init(sums);
        var j1i = Init(sums + ns);
        var j2i = Init(sums + 2 * ns);
        var j3i = Init(sums + 3 * ns);
        var j4i = Init(sums + 4 * ns);
        Vector256<int> i00 = j0i, i01 = j1i, i02 = j2i, i03 = j3i, i04 = j4i, i10 = j0i, i11 = j1i, i12 = j2i, i13 = j3i, i14 = j4i;
        // One pointer walks all five activation rows (fixed offsets from it), one the two code rows.
        sbyte* pa = a0 + j0, paEnd = a0 + (whole ? 256 : j0 + 128);
        byte* pw = dec0 + j0;
        long dw = dec1 - dec0;
        for (; pa < paEnd; pa += 32, pw += 32)
        {
            var w0 = Prepare(Vector256.Load(pw));
            var w1 = Prepare(Vector256.Load(pw + dw));
            var a = Vector256.Load(pa);
            i00 = DotPrepared(i00, w0, a);
            i10 = DotPrepared(i10, w1, a);
            a = Vector256.Load(pa + kp);
            i01 = DotPrepared(i01, w0, a);
            i11 = DotPrepared(i11, w1, a);
            a = Vector256.Load(pa + 2 * kp);
            i02 = DotPrepared(i02, w0, a);
            i12 = DotPrepared(i12, w1, a);
            a = Vector256.Load(pa + 3 * kp);
            i03 = DotPrepared(i03, w0, a);
            i13 = DotPrepared(i13, w1, a);
            a = Vector256.Load(pa + 4 * kp);
            i04 = DotPrepared(i04, w0, a);
            i14 = DotPrepared(i14, w1, a);
        }
        var s0 = Vector256.Load((float*)(dec0 + scaleAt));
        var s1 = Vector256.Load((float*)(dec1 + scaleAt));
        var da = Vector256.Load(d0);
        c00 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i00), s0 * da, c00);
        c10 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i10), s1 * da, c10);
        da = Vector256.Load(d0 + nb);
        c01 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i01), s0 * da, c01);
        c11 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i11), s1 * da, c11);
        da = Vector256.Load(d0 + 2 * nb);
        c02 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i02), s0 * da, c02);
        c12 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i12), s1 * da, c12);
        da = Vector256.Load(d0 + 3 * nb);
        c03 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i03), s0 * da, c03);
        c13 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i13), s1 * da, c13);
        da = Vector256.Load(d0 + 4 * nb);
        c04 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i04), s0 * da, c04);
        c14 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(i14), s1 * da, c14);
    }

    // The 128-bit path for CPUs without AVX2: ARM64's sdot (4 int8 products per int32 lane, signed x
    // signed, so no offset trick) or SSSE3's pmaddubsw + pmaddwd. Lanes: low half = blocks 0..3,
    // high half = blocks 4..7 of the group.
    private static bool Dot128Supported => Dp.IsSupported || Ssse3.IsSupported;

    /// <summary>One row against one token on the 128-bit path; same decode and sums as <see cref="Dot"/>.</summary>
    internal static float DotVector128(byte* row, int k, int groups, QuantizedActivations x, int t, byte* dec)
    {
        long ko = (long)t * x.PaddedK, bo = (long)t * x.Blocks;
        var acc = Vector128<float>.Zero;
        for (int g = 0; g < groups; g++)
        {
            DecodeGroup(row, k, g, dec);
            sbyte* a = x.Qs + ko + g * 256;
            int* sums = SumsOf(x, t, g);
            Vector128<int> lo0 = Init128(sums), hi0 = Init128(sums + 4);
            Vector128<int> lo1 = TDec.HalfScales ? Init128(sums + 8) : Vector128<int>.Zero;
            Vector128<int> hi1 = TDec.HalfScales ? Init128(sums + 12) : Vector128<int>.Zero;
            for (int j = 0; j < 128; j += 32)
            {
                lo0 = Dot128(lo0, dec + j, a + j);
                hi0 = Dot128(hi0, dec + j + 16, a + j + 16);
            }
            for (int j = 128; j < 256; j += 32)
            {
                lo1 = Dot128(lo1, dec + j, a + j);
                hi1 = Dot128(hi1, dec + j + 16, a + j + 16);
            }
            float* d = x.D + bo + g * 8, sc = (float*)(dec + ScaleAt);
            Vector128<float> dLo = Vector128.Load(d), dHi = Vector128.Load(d + 4);
            if (TDec.HalfScales)
            {
                float* sc2 = (float*)(dec + Scale2At);
                acc += Vector128.ConvertToSingle(lo0) * Vector128.Load(sc) * dLo + Vector128.ConvertToSingle(hi0) * Vector128.Load(sc + 4) * dHi
                     + Vector128.ConvertToSingle(lo1) * Vector128.Load(sc2) * dLo + Vector128.ConvertToSingle(hi1) * Vector128.Load(sc2 + 4) * dHi;
            }
            else
                acc += Vector128.ConvertToSingle(lo0 + lo1) * Vector128.Load(sc) * dLo + Vector128.ConvertToSingle(hi0 + hi1) * Vector128.Load(sc + 4) * dHi;
            if (TDec.HasMin)
            {
                float* min = (float*)(dec + MinAt), ds = x.DS + bo + g * 8;
                acc -= Vector128.Load(min) * Vector128.Load(ds) + Vector128.Load(min + 4) * Vector128.Load(ds + 4);
            }
        }
        return Vector128.Sum(acc);
    }

    // Start of the 128-bit lanes: minus offset · Σ codes for unsigned codes; signed codes need none here.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Init128(int* sums) =>
        TDec.Signed || TDec.BiasShift < 0 ? Vector128<int>.Zero : Vector128<int>.Zero - Vector128.ShiftLeft(Vector128.Load(sums), TDec.BiasShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Dot128(Vector128<int> acc, byte* codes, sbyte* a)
    {
        var u = Vector128.Load(codes);
        var av = Vector128.Load(a);
        if (Dp.IsSupported)
            return Dp.DotProduct(acc, u.AsSByte(), av);
        if (TDec.Signed)
        {
            av = Ssse3.Sign(av, u.AsSByte());
            u = Ssse3.Abs(u.AsSByte());
        }
        return acc + Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(u, av), Vector128.Create((short)1));
    }

    /// <summary>The portable path (no AVX2): the same decode, then plain integer loops over the interleaved layout.</summary>
    internal static float DotScalar(byte* row, int k, int groups, QuantizedActivations x, int t, byte* dec)
    {
        long ko = (long)t * x.PaddedK;
        long bo = (long)t * x.Blocks;
        int bias = TDec.Signed || TDec.BiasShift < 0 ? 0 : 1 << TDec.BiasShift;
        float sum = 0f;
        for (int g = 0; g < groups; g++)
        {
            DecodeGroup(row, k, g, dec);
            sbyte* a = x.Qs + ko + g * 256;
            float* scale = (float*)(dec + ScaleAt), min = (float*)(dec + MinAt);
            for (int l = 0; l < 8; l++)
            {
                // Per half block: vectors j < 4 hold elements 0..15, j >= 4 elements 16..31.
                int dot0 = 0, dot1 = 0;
                for (int j = 0; j < 8; j++)
                {
                    for (int c = 0; c < 4; c++)
                    {
                        int o = j * 32 + l * 4 + c;
                        int p = (TDec.Signed ? (sbyte)dec[o] : dec[o]) * a[o];
                        if (j < 4) dot0 += p; else dot1 += p;
                    }
                }
                long b = bo + g * 8 + l;
                if (TDec.HalfScales)
                {
                    int* halves = SumsOf(x, t, g) + l;
                    sum += scale[l] * x.D[b] * (dot0 - bias * halves[0]) + scale[8 + l] * x.D[b] * (dot1 - bias * halves[8]);
                }
                else
                    sum += scale[l] * x.D[b] * (dot0 + dot1 - bias * x.Sums[b]);
                if (TDec.HasMin)
                    sum -= min[l] * x.DS[b];
            }
        }
        return sum;
    }
}
