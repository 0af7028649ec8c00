// Load-time regrouping of matmul weights into the packed layouts of PackedDecoders.cs. A row of K
// weights becomes ceil(K / 256) packed groups; a short last group is padded with zero blocks (scale 0,
// codes 0: weight 0), which meet the zero padding of the activations, so the kernels see whole groups only.
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Kernels;

internal static unsafe class WeightPacking
{
    private const int BlocksPerGroup = 8;

    /// <summary>Whether matmul weights of <paramref name="type"/> with rows of <paramref name="cols"/> are packed on this CPU.</summary>
    public static bool Packs(DType type, int cols) =>
        CpuIsa.Avx2 && cols > 0 && cols % 32 == 0 && type is DType.Q4_0 or DType.Q8_0;

    /// <summary>Bytes of one packed row of <paramref name="cols"/> weights.</summary>
    public static long RowBytes(DType type, int cols) => (long)Groups(cols) * GroupBytes(type);

    private static int Groups(int cols) => (cols + QuantizedActivations.GroupSize - 1) / QuantizedActivations.GroupSize;

    private static int GroupBytes(DType type) => type == DType.Q4_0 ? Q4_0PackedDecoder.GroupBytes : Q8_0PackedDecoder.GroupBytes;

    /// <summary>Packs rows [r0, r1) of w (file layout, <paramref name="cols"/> weights a row) into dst.</summary>
    public static void PackRows(DType type, byte* w, int cols, int r0, int r1, byte* dst)
    {
        long srcRow = type.ByteSize(cols), dstRow = RowBytes(type, cols);
        for (int r = r0; r < r1; r++)
            PackRow(type, w + r * srcRow, cols / 32, dst + r * dstRow);
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
