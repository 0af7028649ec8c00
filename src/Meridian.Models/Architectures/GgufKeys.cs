// An architecture's hyperparameters as GGUF stores them: "{arch}.key" values, read the way every FromGguf reads
// them (integers checked to fit, absent keys as null), and the vocabulary size with llama.cpp's fallback to the
// embedding table's rows.
using Meridian.Core;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;

namespace Meridian.Models.Architectures;

/// <summary>The "{<paramref name="arch"/>}.*" keys of <paramref name="file"/>.</summary>
internal readonly struct GgufKeys(GgufFile file, string arch)
{
    /// <summary>A required u32 key; a missing one is an error naming it.</summary>
    public int Int(string key) => checked((int)file.GetUInt32($"{arch}.{key}"));

    /// <summary>A u32 key, or null when absent.</summary>
    public int? OptInt(string key) => file.TryGetUInt32($"{arch}.{key}", out uint v) ? checked((int)v) : null;

    /// <summary>An f32 key, or null when absent.</summary>
    public float? Float(string key) => file.TryGetFloat32($"{arch}.{key}", out float v) ? v : null;

    /// <summary>The error for a key the architecture needs here.</summary>
    public ModelFormatException Missing(string key) => new($"{file.Path}: metadata key '{arch}.{key}' is missing");

    /// <summary>
    /// A small f32 tensor's values (RoPE frequency divisors), or null when the file has no tensor <paramref name="name"/>;
    /// one of another type or length is an error naming both.
    /// </summary>
    public unsafe float[]? F32Values(string name, int count)
    {
        if (!file.TryGetTensor(name, out var info))
            return null;
        if (info.Type != DType.F32 || info.ElementCount != count)
            throw new ModelFormatException($"{file.Path}: tensor '{name}' must be {count} f32 values, not {info.ElementCount} {info.Type.Name()}");
        var values = new float[count];
        new ReadOnlySpan<float>(file.GetTensorPointer(info), count).CopyTo(values);
        return values;
    }

    /// <summary>{arch}.vocab_size, else the rows of token_embd.weight (as llama.cpp reads it).</summary>
    public int Vocab() => OptInt("vocab_size") ?? (file.TryGetTensor("token_embd.weight", out var emb) ? (int)emb.Dimensions[1]
        : throw new ModelFormatException($"{file.Path}: required tensor 'token_embd.weight' is missing"));
}
