// Fixed-seed inputs: values uniform in [-1, 1] (as ggml test-backend-ops draws them), index lists, and weights
// of any dtype Core decodes: encoded with Core's reference quantizers where it has one, otherwise random
// blocks whose f16 scales are set so the decoded values are of order one.
using System.Buffers.Binary;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Inputs;

internal static class InputData
{
    // Decode-only types: the offsets of their f16 scale fields in a block and the value each gets (before a
    // random factor in [0.5, 1]) so that weights come out within about ±1.
    private static readonly Dictionary<DType, (int Offset, float Scale)[]> ScaleFields = new()
    {
        [DType.Q2_K] = [(80, 1f / 45), (82, 1f / 45)],   // w = d·sc·q − dmin·m, sc and m ≤ 15, q ≤ 3
        [DType.Q3_K] = [(108, 1f / 128)],                // w = d·(sc − 32)·(q − 4)
        [DType.IQ4_NL] = [(0, 1f / 127)],                // w = d·level, |level| ≤ 127
        [DType.IQ4_XS] = [(0, 1f / (32 * 127))],         // w = d·(ls − 32)·level
    };

    /// <summary>n values uniform in [lo, hi).</summary>
    public static float[] Uniform(Random rng, int n, float lo = -1f, float hi = 1f)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
            v[i] = lo + (hi - lo) * rng.NextSingle();
        return v;
    }

    /// <summary>n indexes in [0, count), repeats allowed.</summary>
    public static int[] Indexes(Random rng, int n, int count)
    {
        var v = new int[n];
        for (int i = 0; i < n; i++)
            v[i] = rng.Next(count);
        return v;
    }

    /// <summary>0..count-1 in a random order.</summary>
    public static int[] Permutation(Random rng, int count)
    {
        var v = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(v);
        return v;
    }

    /// <summary>n distinct indexes in [0, count), in random order.</summary>
    public static int[] Distinct(Random rng, int n, int count) => Permutation(rng, count)[..n];

    /// <summary>True when <see cref="Weights"/> can make <paramref name="type"/> (the kit can then check matmul and lookups on it).</summary>
    public static bool CanMakeWeights(DType type) =>
        QuantCodecs.CanDequantize(type) && (QuantCodecs.CanQuantize(type) || ScaleFields.ContainsKey(type));

    /// <summary>[rows, cols] weights of <paramref name="type"/> as GGUF block bytes (cols a multiple of the block size).</summary>
    public static byte[] Weights(Random rng, DType type, int rows, int cols)
    {
        var bytes = new byte[type.ByteSize((long)rows * cols)];
        if (QuantCodecs.CanQuantize(type))
        {
            QuantCodecs.QuantizeReference(type, Uniform(rng, rows * cols), bytes);
            return bytes;
        }
        if (!ScaleFields.TryGetValue(type, out var fields))
            throw new ArgumentException($"the conformance kit cannot make {type.Name()} weights");
        rng.NextBytes(bytes);
        int blockBytes = type.Info().TypeSize;
        for (int b = 0; b < bytes.Length; b += blockBytes)
        {
            foreach (var (offset, scale) in fields)
            {
                var h = (Half)(scale * (0.5f + 0.5f * rng.NextSingle()));
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(b + offset), BitConverter.HalfToUInt16Bits(h));
            }
        }
        return bytes;
    }

    /// <summary>Bytes of any known dtype for byte-exact ops (Copy): finite values for the float types, random blocks otherwise.</summary>
    public static byte[] AnyBytes(Random rng, DType type, int rows, int cols) =>
        CanMakeWeights(type) ? Weights(rng, type, rows, cols) : RandomBytes(rng, (int)type.ByteSize((long)rows * cols));

    /// <summary>The f32 values of <paramref name="bytes"/> (n values of <paramref name="type"/>).</summary>
    public static float[] Decode(DType type, ReadOnlySpan<byte> bytes, int n)
    {
        var v = new float[n];
        QuantCodecs.DequantizeReference(type, bytes, v);
        return v;
    }

    /// <summary>Values rounded to f16 (nearest even), as little-endian bytes.</summary>
    public static byte[] ToF16Bytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), BitConverter.HalfToUInt16Bits((Half)values[i]));
        return bytes;
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }
}
