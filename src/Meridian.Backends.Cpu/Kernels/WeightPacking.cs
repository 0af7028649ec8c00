// Load-time regrouping of matmul weights into the packed layouts of PackedDecoders.cs. A row of K
// weights becomes ceil(K / 256) packed groups; a short last group (Q4_0, Q8_0) is padded with zero
// blocks (scale 0, codes 0: weight 0), which meet the zero padding of the activations, so the kernels
// see whole groups only. K-quant rows are whole super-blocks already.
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Kernels;

internal static unsafe class WeightPacking
{
    private const int BlocksPerGroup = 8;

    /// <summary>Whether matmul weights of <paramref name="type"/> with rows of <paramref name="cols"/> are packed on this CPU.</summary>
    public static bool Packs(DType type, int cols) =>
        CpuIsa.Avx2 && cols > 0 && type switch
        {
            DType.Q4_0 or DType.Q8_0 => cols % 32 == 0,
            DType.Q4_K or DType.Q6_K => cols % QuantizedActivations.GroupSize == 0,
            _ => false,
        };

    /// <summary>Bytes of one packed row of <paramref name="cols"/> weights.</summary>
    public static long RowBytes(DType type, int cols) => (long)Groups(cols) * GroupBytes(type);

    private static int Groups(int cols) => (cols + QuantizedActivations.GroupSize - 1) / QuantizedActivations.GroupSize;

    private static int GroupBytes(DType type) => type switch
    {
        DType.Q4_0 => Q4_0PackedDecoder.GroupBytes,
        DType.Q8_0 => Q8_0PackedDecoder.GroupBytes,
        DType.Q4_K => Q4_KPackedDecoder.GroupBytes,
        DType.Q6_K => Q6_KPackedDecoder.GroupBytes,
        _ => throw new ArgumentException($"{type.Name()} weights are not packed"),
    };

    /// <summary>Packs rows [r0, r1) of w (file layout, <paramref name="cols"/> weights a row) into dst.</summary>
    public static void PackRows(DType type, byte* w, int cols, int r0, int r1, byte* dst)
    {
        long srcRow = type.ByteSize(cols), dstRow = RowBytes(type, cols);
        for (int r = r0; r < r1; r++)
        {
            if (type is DType.Q4_K or DType.Q6_K)
                PackSuperBlocks(type, w + r * srcRow, cols / QuantizedActivations.GroupSize, dst + r * dstRow);
            else
                PackRow(type, w + r * srcRow, cols / 32, dst + r * dstRow);
        }
    }

    // K-quants: each super-block is one group; its codes come from the file-layout decoder's scalar
    // Decode (interleaved, one byte each) and are packed back into nibbles (and Q6_K's high bits).
    private static void PackSuperBlocks(DType type, byte* src, int groups, byte* dst)
    {
        byte* codes = stackalloc byte[256];
        float* scale = stackalloc float[16], min = stackalloc float[8];
        for (int g = 0; g < groups; g++)
        {
            byte* from = src + (long)g * GroupBytes(type), to = dst + (long)g * GroupBytes(type);
            if (type == DType.Q4_K)
            {
                Q4_KDecoder.Decode(from, codes, scale, min);
                Buffer.MemoryCopy(from, to, 16, 16); // d, dmin, scales and mins as they are
                PackNibbles(codes, to + 16);
                continue;
            }
            Q6_KDecoder.Decode(from, codes, scale, min);
            PackNibbles(codes, to);
            for (int m = 0; m < 2; m++)
            {
                for (int p = 0; p < 32; p++)
                {
                    int high = 0;
                    for (int i = 0; i < 4; i++)
                        high |= ((codes[(m + 2 * i) * 32 + p] >> 4) & 3) << (2 * i);
                    to[128 + m * 32 + p] = (byte)high;
                }
            }
            // File order: scale s covers half s % 2 of block s / 2; packed: first halves, then second halves.
            for (int s = 0; s < 16; s++)
                to[192 + s % 2 * 8 + s / 2] = from[192 + s];
            *(ushort*)(to + 208) = *(ushort*)(from + 208);
        }
    }

    // Interleaved codes [256] (low 4 bits used) into 128 bytes: byte p of vector j holds code vector j's
    // byte p in its low nibble and code vector j + 4's in its high one.
    private static void PackNibbles(byte* codes, byte* dst)
    {
        for (int i = 0; i < 128; i++)
            dst[i] = (byte)((codes[i] & 0x0F) | (codes[128 + i] & 0x0F) << 4);
    }

    private static void PackRow(DType type, byte* src, int blocks, byte* dst)
    {
        int codeBytes = type == DType.Q4_0 ? 16 : 32, blockBytes = 2 + codeBytes, groupBytes = GroupBytes(type);
        for (int g = 0; g * BlocksPerGroup < blocks; g++)
        {
            byte* group = dst + (long)g * groupBytes;
            new Span<byte>(group, groupBytes).Clear();
            for (int l = 0; l < BlocksPerGroup && g * BlocksPerGroup + l < blocks; l++)
            {
                byte* block = src + (long)(g * BlocksPerGroup + l) * blockBytes;
                *(ushort*)(group + 2 * l) = *(ushort*)block;
                // Code bytes 4j..4j+3 of the block go to lane l of vector j.
                for (int j = 0; j < codeBytes / 4; j++)
                    *(uint*)(group + 16 + j * 32 + l * 4) = *(uint*)(block + 2 + 4 * j);
            }
        }
    }
}
