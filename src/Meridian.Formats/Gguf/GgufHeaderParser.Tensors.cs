// Tensor-info half of the GGUF header parser: shapes, types, offsets, and where the data lies.
using Meridian.Core.Tensors;

namespace Meridian.Formats.Gguf;

internal static partial class GgufHeaderParser
{
    private static List<GgufTensorInfo> ReadTensorInfos(ref GgufCursor c, ulong tensorCount, uint alignment, out List<int> infoOffsets)
    {
        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        infoOffsets = new List<int>((int)tensorCount);
        var names = new Dictionary<string, int>((int)tensorCount, StringComparer.Ordinal);
        for (int i = 0; i < (int)tensorCount; i++)
        {
            c.Context = $"tensor info {i}";
            int infoAt = c.Position;
            string name = c.String("tensor name", MaxTensorNameBytes);
            c.Context = $"tensor '{name}'";
            if (!names.TryAdd(name, i))
                throw c.Error($"duplicate tensor name '{name}' (also tensor {names[name]})", infoAt);

            int dimsAt = c.Position;
            uint nDims = c.U32("number of dimensions");
            // ggml also accepts 0 dimensions (a scalar); no writer produces it, and every consumer
            // indexes Dimensions[0], so Meridian requires 1 to 4.
            if (nDims is 0 or > MaxDimensions)
                throw c.Error($"tensor '{name}' has {nDims} dimensions; GGUF tensors have 1 to {MaxDimensions}", dimsAt);
            var dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++)
            {
                int dimAt = c.Position;
                ulong ne = c.IsV1 ? c.U32($"dimension {d}") : c.U64($"dimension {d}");
                // ggml accepts empty (0-length) tensors; no model file has one, and refusing them
                // keeps every tensor's data range non-empty, so overlap checks stay simple.
                if (ne == 0 || ne > long.MaxValue)
                    throw c.Error($"tensor '{name}' dimension {d} is {(long)ne}; dimensions must be between 1 and 2^63-1", dimAt);
                dims[d] = (long)ne;
                if (elements > long.MaxValue / (long)ne)
                    throw c.Error($"tensor '{name}' shape [{string.Join(", ", dims.Take(d + 1))}...] has more than 2^63-1 elements", dimAt);
                elements *= (long)ne;
            }

            int typeAt = c.Position;
            uint typeId = c.U32("tensor type");
            if (!DTypes.IsKnownId(typeId))
                throw c.Error($"tensor '{name}' has unknown tensor type id {typeId}", typeAt);
            var type = (DType)typeId;
            var info = type.Info();
            if (info.IsRemoved)
                throw c.Error($"tensor '{name}' has type {info.Name} (id {typeId}), which ggml removed; its layout is unknown", typeAt);
            if (dims[0] % info.BlockSize != 0)
                throw c.Error($"tensor '{name}' row length {dims[0]} is not a multiple of the {info.Name} block size {info.BlockSize}", dimsAt);
            long byteSize = elements / info.BlockSize;
            if (byteSize > long.MaxValue / info.TypeSize)
                throw c.Error($"tensor '{name}' of {elements} {info.Name} elements is more than 2^63-1 bytes", typeAt);
            byteSize *= info.TypeSize;

            int offsetAt = c.Position;
            ulong offset = c.U64("tensor data offset");
            if (offset > long.MaxValue)
                throw c.Error($"tensor '{name}' data offset {offset} is larger than 2^63-1", offsetAt);
            if (offset % alignment != 0)
                throw c.Error($"tensor '{name}' data offset {offset} is not a multiple of the alignment {alignment}", offsetAt);

            tensors.Add(new GgufTensorInfo(name, type, dims, (long)offset, elements, byteSize));
            infoOffsets.Add(infoAt);
        }
        c.Context = null;
        return tensors;
    }

    // Every tensor's bytes must lie inside the file, and no two tensors may share a byte.
    // ggml requires more (tensors packed in header order); Meridian only needs them disjoint.
    private static void CheckTensorPlacement(ref GgufCursor c, List<GgufTensorInfo> tensors, List<int> infoOffsets, long dataOffset, long fileLength)
    {
        long dataBytes = fileLength - dataOffset; // may be negative when the header's padding runs past the end
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            if (dataBytes < 0 || t.Offset > dataBytes || t.ByteSize > dataBytes - t.Offset)
                throw c.Error($"tensor '{t.Name}' data ({t.ByteSize} bytes at data offset {t.Offset}, file byte {(decimal)dataOffset + t.Offset}) runs past the end of the file ({fileLength} bytes)", infoOffsets[i]);
        }
        var order = Enumerable.Range(0, tensors.Count).OrderBy(i => tensors[i].Offset).ToArray();
        for (int k = 1; k < order.Length; k++)
        {
            var prev = tensors[order[k - 1]];
            var cur = tensors[order[k]];
            if (prev.Offset + prev.ByteSize > cur.Offset)
                throw c.Error($"tensors '{prev.Name}' (data bytes {prev.Offset}..{prev.Offset + prev.ByteSize}) and '{cur.Name}' (from {cur.Offset}) overlap", infoOffsets[order[k]]);
        }
    }
}
