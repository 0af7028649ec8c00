// GGUF weights: names are already the canonical ones; dims are ne[0] (cols) first.
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;

namespace Meridian.Models.Weights;

/// <summary>Weights of an open GGUF file, in place in its memory map.</summary>
public sealed class GgufWeightSource(GgufFile file) : WeightSource
{
    /// <inheritdoc />
    public override string Origin => file.Path;

    /// <inheritdoc />
    protected internal override unsafe WeightData? Find(string fullName)
    {
        if (!file.TryGetTensor(fullName, out var info))
            return FindExpert(fullName);
        var d = info.Dimensions;
        if (d.Length > 2 && d.Skip(2).Any(n => n != 1) || d.Length == 0 || d[0] > int.MaxValue || (d.Length > 1 ? d[1] : 1) > int.MaxValue)
            throw new ModelFormatException($"{file.Path}: tensor '{fullName}' has shape {info.ShapeText}; a 1-D or 2-D weight was expected");
        return new WeightData(fullName, info.Type, d.Length > 1 ? (int)d[1] : 1, (int)d[0], (nint)file.GetTensorPointer(info), info.ByteSize)
        {
            FilePath = file.Path,
            FileOffset = file.AbsoluteOffset(info),
        };
    }

    // "blk.3.ffn_gate_exps.5.weight": expert 5 of the 3-D tensor "blk.3.ffn_gate_exps.weight" (ggml ne = [cols, rows,
    // experts]), as a view of its rows in the memory map; null when there is no such tensor or expert.
    private unsafe WeightData? FindExpert(string fullName)
    {
        var (tensor, expert) = WeightSource.SplitExpertName(fullName);
        if (tensor is null || !file.TryGetTensor(tensor, out var info))
            return null;
        var d = info.Dimensions;
        if (d.Length != 3 || d[0] > int.MaxValue || d[1] > int.MaxValue || d[2] > int.MaxValue)
            throw new ModelFormatException($"{file.Path}: tensor '{tensor}' has shape {info.ShapeText}; a 3-D [experts, rows, cols] weight was expected");
        if (expert >= d[2])
            return null;
        long expertBytes = info.Type.ByteSize(d[0] * d[1]);
        return new WeightData($"{tensor}[{expert}]", info.Type, (int)d[1], (int)d[0], (nint)(file.GetTensorPointer(info) + expert * expertBytes), expertBytes)
        {
            FilePath = file.Path,
            FileOffset = file.AbsoluteOffset(info) + expert * expertBytes,
        };
    }
}
