// The activations of one matmul in the layout its kernel reads: f32 rows in place, or int8 codes
// with block scales and code sums (ActivationQuantReference in Core is the oracle, bit for bit).
// Buffers are native, grown to the largest [T, K] seen and then reused: decoding never allocates.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Meridian.Core.Quant;

namespace Meridian.Backends.Cpu.Kernels;

/// <summary>x: [T, K] f32 and, for the int8 formats, its codes, scales and sums. Also the parallel job that quantizes it.</summary>
internal sealed unsafe class QuantizedActivations : IParallelJob, IDisposable
{
    private long _qsCapacity, _dCapacity, _sumCapacity;

    /// <summary>Layout of the codes below.</summary>
    public ActFormat Format { get; private set; }

    /// <summary>Rows (tokens).</summary>
    public int T { get; private set; }

    /// <summary>Elements per row.</summary>
    public int K { get; private set; }

    /// <summary>[T, K] f32, the caller's activations.</summary>
    public float* X { get; private set; }

    /// <summary>[T, K] int8 codes (Q8, Q8K).</summary>
    public sbyte* Qs { get; private set; }

    /// <summary>[T, K / BlockSize] f32 scales (Q8, Q8K).</summary>
    public float* D { get; private set; }

    /// <summary>[T, K / SumSize] code sums: per 32-block (Q8) or per 16 (Q8K).</summary>
    public int* Sums { get; private set; }

    /// <summary>Elements per scale: 32 (Q8) or 256 (Q8K).</summary>
    public int BlockSize => Format == ActFormat.Q8K ? ActivationQuantReference.Q8KBlockSize : ActivationQuantReference.Q8BlockSize;

    /// <summary>Elements per code sum: 32 (Q8) or 16 (Q8K).</summary>
    public int SumSize => Format == ActFormat.Q8K ? ActivationQuantReference.Q8KSumSize : ActivationQuantReference.Q8BlockSize;

    /// <summary>Points at x and sizes the code buffers; <see cref="IParallelJob.Run"/> over [0, T) then fills them.</summary>
    public void Prepare(ActFormat format, float* x, int t, int k)
    {
        Format = format;
        X = x;
        T = t;
        K = k;
        if (format == ActFormat.F32)
            return;
        Debug.Assert(k % BlockSize == 0);
        long n = (long)t * k;
        Qs = (sbyte*)Grow(Qs, ref _qsCapacity, n);
        D = (float*)Grow(D, ref _dCapacity, n / BlockSize * sizeof(float));
        Sums = (int*)Grow(Sums, ref _sumCapacity, n / SumSize * sizeof(int));
    }

    /// <summary>Quantizes rows [start, end).</summary>
    public void Run(int start, int end, int worker)
    {
        if (Format == ActFormat.F32)
            return;
        int bs = BlockSize, ss = SumSize;
        for (int t = start; t < end; t++)
        {
            long o = (long)t * K;
            QuantizeRow(X + o, Qs + o, D + o / bs, Sums + o / ss, K, bs, ss);
        }
    }

    /// <summary>One row, blocks of <paramref name="bs"/> with sums over <paramref name="ss"/> (16 or 32); matches the reference exactly.</summary>
    internal static void QuantizeRow(float* x, sbyte* qs, float* d, int* sums, int k, int bs, int ss)
    {
        for (int b = 0; b < k / bs; b++)
        {
            float* xb = x + b * bs;
            float amax = AbsMax(xb, bs);
            float id = amax > 0f ? 127f / amax : 0f;
            d[b] = amax / 127f;
            for (int j = 0; j < bs; j += 32)
            {
                sbyte* q = qs + b * bs + j;
                if (Vector256.IsHardwareAccelerated)
                {
                    var vid = Vector256.Create(id);
                    var i0 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + j) * vid));
                    var i1 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + j + 8) * vid));
                    var i2 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + j + 16) * vid));
                    var i3 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(xb + j + 24) * vid));
                    // |codes| <= 127, so the truncating narrows are exact.
                    Vector256.Narrow(Vector256.Narrow(i0, i1), Vector256.Narrow(i2, i3)).Store(q);
                    StoreSums(sums + (b * bs + j) / ss, ss, i0 + i1, i2 + i3);
                }
                else
                {
                    int s0 = 0, s1 = 0;
                    for (int i = 0; i < 32; i++)
                    {
                        q[i] = (sbyte)MathF.Round(xb[j + i] * id, MidpointRounding.ToEven);
                        if (i < 16) s0 += q[i]; else s1 += q[i];
                    }
                    int* s = sums + (b * bs + j) / ss;
                    if (ss == 16) { s[0] = s0; s[1] = s1; }
                    else s[0] = s0 + s1;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSums(int* s, int ss, Vector256<int> first16, Vector256<int> last16)
    {
        if (ss == 16)
        {
            s[0] = Vector256.Sum(first16);
            s[1] = Vector256.Sum(last16);
        }
        else
            s[0] = Vector256.Sum(first16 + last16);
    }

    private static float AbsMax(float* x, int n)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256<float>.Zero;
            for (int i = 0; i < n; i += 8)
                m = Vector256.Max(m, Vector256.Abs(Vector256.Load(x + i)));
            return MaxAcross(m);
        }
        float amax = 0f;
        for (int i = 0; i < n; i++)
            amax = MathF.Max(amax, MathF.Abs(x[i]));
        return amax;
    }

    private static float MaxAcross(Vector256<float> v)
    {
        var h = Vector128.Max(v.GetLower(), v.GetUpper());
        h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1)));
        h = Vector128.Max(h, Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2)));
        return h.ToScalar();
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
        NativeMemory.AlignedFree(Sums);
        Qs = null;
        D = null;
        Sums = null;
        _qsCapacity = _dCapacity = _sumCapacity = 0;
    }
}
