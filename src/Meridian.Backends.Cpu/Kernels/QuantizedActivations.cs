// The activations of one matmul in the layout its kernel reads: f32 rows in place, or int8 codes
// with block scales and code sums (ActivationQuantReference in Core is the oracle, bit for bit).
// Buffers are native, grown to the largest [T, K] seen and then reused: decoding never allocates.
//
// Q8 layout, per row padded with zeros to Kp = K rounded up to 256 ("groups" of 8 blocks of 32):
//   Qs   [T, Kp]      int8, interleaved: byte (g·256 + j·32 + l·4 + c) is element (j·4 + c) of block
//                     g·8 + l. One 32-byte load j of a group then holds 4 codes of each of its 8 blocks,
//                     so an int8 dot instruction leaves one block's partial sum in each int32 lane and
//                     block scales apply lane-wise (8 blocks per float op instead of one).
//   D    [T, Kp/32]   f32 block scales, natural order (8 per group: one vector load).
//   DS   [T, Kp/32]   f32 d · Σ codes of the block (the min/offset term of Q4_1, Q5_1, Q4_K, Q5_K).
//   Sums [T, Kp/32]   int32 Σ codes of the block.
//   Sums16 [T, Kp/16] int32 Σ codes of each half block (the 16-element sub-blocks of Q6_K), per group
//                     the 8 first-half sums then the 8 second-half sums: half h of block b is at
//                     b/8·16 + h·8 + b%8, so each half's sums of a group are one vector load.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu.Kernels;

/// <summary>x: [T, K] f32 and, for <see cref="ActFormat.Q8"/>, its codes, scales and sums. Also the parallel job that quantizes it.</summary>
internal sealed unsafe class QuantizedActivations : IParallelJob, IDisposable
{
    /// <summary>Elements per interleaved group.</summary>
    public const int GroupSize = 256;

    private long _qsCapacity, _dCapacity, _dsCapacity, _sumCapacity, _sum16Capacity;

    /// <summary>Layout of the codes below.</summary>
    public ActFormat Format { get; private set; }

    /// <summary>Rows (tokens).</summary>
    public int T { get; private set; }

    /// <summary>Elements per row.</summary>
    public int K { get; private set; }

    /// <summary>K rounded up to a whole group: the row stride of <see cref="Qs"/>.</summary>
    public int PaddedK { get; private set; }

    /// <summary>Blocks of 32 per padded row: the row stride of <see cref="D"/>, <see cref="DS"/> and <see cref="Sums"/>.</summary>
    public int Blocks => PaddedK / 32;

    /// <summary>[T, K] f32, the caller's activations.</summary>
    public float* X { get; private set; }

    /// <summary>[T, PaddedK] int8 codes, interleaved per group.</summary>
    public sbyte* Qs { get; private set; }

    /// <summary>[T, PaddedK / 32] f32 block scales.</summary>
    public float* D { get; private set; }

    /// <summary>[T, PaddedK / 32] f32 scale times code sum per block.</summary>
    public float* DS { get; private set; }

    /// <summary>[T, PaddedK / 32] code sums per block.</summary>
    public int* Sums { get; private set; }

    /// <summary>[T, PaddedK / 16] code sums per half block; half h of block b at b/8·16 + h·8 + b%8.</summary>
    public int* Sums16 { get; private set; }

    /// <summary>Points at x and sizes the code buffers; <see cref="IParallelJob.Run"/> over [0, T) then fills them.</summary>
    public void Prepare(ActFormat format, float* x, int t, int k)
    {
        Format = format;
        X = x;
        T = t;
        K = k;
        PaddedK = (k + GroupSize - 1) / GroupSize * GroupSize;
        if (format == ActFormat.F32)
            return;
        Debug.Assert(k % 32 == 0);
        long n = (long)t * PaddedK;
        Qs = (sbyte*)Grow(Qs, ref _qsCapacity, n);
        D = (float*)Grow(D, ref _dCapacity, n / 32 * sizeof(float));
        DS = (float*)Grow(DS, ref _dsCapacity, n / 32 * sizeof(float));
        Sums = (int*)Grow(Sums, ref _sumCapacity, n / 32 * sizeof(int));
        Sums16 = (int*)Grow(Sums16, ref _sum16Capacity, n / 16 * sizeof(int));
    }

    /// <summary>Quantizes rows [start, end).</summary>
    public void Run(int start, int end, int worker)
    {
        if (Format == ActFormat.F32)
            return;
        for (int t = start; t < end; t++)
        {
            long o = (long)t * PaddedK;
            QuantizeRow(X + (long)t * K, K, PaddedK, Qs + o, D + o / 32, DS + o / 32, Sums + o / 32, Sums16 + o / 16);
        }
    }

    /// <summary>One row of k elements into the padded, interleaved layout; codes, scales and sums match the reference exactly.</summary>
    internal static void QuantizeRow(float* x, int k, int paddedK, sbyte* qs, float* d, float* ds, int* sums, int* sums16)
    {
        Span<sbyte> block = stackalloc sbyte[32];
        for (int b = 0; b < paddedK / 32; b++)
        {
            int s0 = 0, s1 = 0;
            float scale = 0f;
            if (b < k / 32)
            {
                float* xb = x + b * 32;
                float amax = AbsMax32(xb);
                float id = amax > 0f ? 127f / amax : 0f;
                scale = amax / 127f;
                if (Vector256.IsHardwareAccelerated)
                {
                    var vid = Vector256.Create(id);
                    var i0 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb) * vid));
                    var i1 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + 8) * vid));
                    var i2 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + 16) * vid));
                    var i3 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + 24) * vid));
                    // |codes| <= 127, so the truncating narrows are exact.
                    Vector256.Narrow(Vector256.Narrow(i0, i1), Vector256.Narrow(i2, i3)).StoreUnsafe(ref MemoryMarshal.GetReference(block));
                    s0 = Vector256.Sum(i0 + i1);
                    s1 = Vector256.Sum(i2 + i3);
                }
                else
                {
                    for (int i = 0; i < 32; i++)
                    {
                        block[i] = (sbyte)MathF.Round(xb[i] * id, MidpointRounding.ToEven);
                        if (i < 16) s0 += block[i]; else s1 += block[i];
                    }
                }
            }
            else
                block.Clear();
            d[b] = scale;
            sums[b] = s0 + s1;
            ds[b] = scale * (s0 + s1);
            sums16[b / 8 * 16 + b % 8] = s0;
            sums16[b / 8 * 16 + 8 + b % 8] = s1;
            // Scatter the block's 8 dwords to their interleaved places in its group.
            sbyte* group = qs + b / 8 * GroupSize + b % 8 * 4;
            var dwords = MemoryMarshal.Cast<sbyte, int>(block);
            for (int j = 0; j < 8; j++)
                *(int*)(group + j * 32) = dwords[j];
        }
    }

    private static float AbsMax32(float* x)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256.Max(Vector256.Max(Vector256.Abs(Vector256.Load(x)), Vector256.Abs(Vector256.Load(x + 8))),
                                  Vector256.Max(Vector256.Abs(Vector256.Load(x + 16)), Vector256.Abs(Vector256.Load(x + 24))));
            var h = Vector128.Max(m.GetLower(), m.GetUpper());
            h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1)));
            h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2)));
            return h.ToScalar();
        }
        float amax = 0f;
        for (int i = 0; i < 32; i++)
            amax = MathF.Max(amax, MathF.Abs(x[i]));
        return amax;
    }

    private static void* Grow(void* p, ref long capacity, long bytes)
    {
        if (bytes <= capacity)
            return p;
        NativeMemory.AlignedFree(p);
        capacity = bytes;
        return NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(Qs);
        NativeMemory.AlignedFree(D);
        NativeMemory.AlignedFree(DS);
        NativeMemory.AlignedFree(Sums);
        NativeMemory.AlignedFree(Sums16);
        Qs = null;
        D = null;
        DS = null;
        Sums = null;
        Sums16 = null;
        _qsCapacity = _dCapacity = _dsCapacity = _sumCapacity = _sum16Capacity = 0;
    }
}
