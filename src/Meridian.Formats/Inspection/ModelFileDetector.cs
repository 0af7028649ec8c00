// Tells which format a model path holds from its first bytes (never from the extension
// alone), so a misnamed file is still read by the right reader or refused by name.
using System.Buffers.Binary;
using Meridian.Core;

namespace Meridian.Formats.Inspection;

/// <summary>Detects the <see cref="ModelFileFormat"/> of a file or directory.</summary>
public static class ModelFileDetector
{
    /// <summary>
    /// Detects the format of <paramref name="path"/>. A directory is a Hugging Face directory when it
    /// holds config.json or safetensors files. Throws <see cref="ModelFormatException"/> naming the path
    /// when nothing matches, <see cref="FileNotFoundException"/> when the path does not exist.
    /// </summary>
    public static ModelFileFormat Detect(string path)
    {
        if (Directory.Exists(path))
        {
            if (File.Exists(System.IO.Path.Combine(path, "config.json")) ||
                Directory.EnumerateFiles(path, "*.safetensors").Any() ||
                File.Exists(System.IO.Path.Combine(path, "model.safetensors.index.json")))
                return ModelFileFormat.Safetensors;
            throw new ModelFormatException($"{path}: directory holds no config.json or *.safetensors file, so it is not a Hugging Face model directory");
        }
        if (!File.Exists(path))
            throw new FileNotFoundException($"no such file or directory: {path}", path);

        Span<byte> head = stackalloc byte[32];
        int n;
        using (var stream = File.OpenRead(path))
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (n == 0)
            throw new ModelFormatException($"{path}: file is empty");

        if (n >= 4 && head[..4].SequenceEqual("GGUF"u8))
            return ModelFileFormat.Gguf;
        if (n >= 4 && head[..4].SequenceEqual("FUGG"u8))
            return ModelFileFormat.Gguf; // big-endian GGUF: the GGUF reader refuses it by name
        if (n >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == Llama2CMagic)
            return ModelFileFormat.Llama2C;
        // safetensors: u64 header length, then a JSON object.
        if (n >= 9 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) > 1)
            return ModelFileFormat.Safetensors;
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            return ModelFileFormat.Safetensors;
        // The legacy llama2.c format has no magic: seven positive-ish int32 hyperparameters.
        if (n >= 28 && LooksLikeLegacyLlama2CHeader(head))
            return ModelFileFormat.Llama2C;
        throw new ModelFormatException(
            $"{path}: not a model file Meridian reads (GGUF, safetensors, llama2.c); first bytes are {Convert.ToHexString(head[..Math.Min(n, 8)])}");
    }

    // "ak42" as a little-endian uint32: the version-1+ llama2.c export magic.
    private const uint Llama2CMagic = 0x616b3432;

    private static bool LooksLikeLegacyLlama2CHeader(ReadOnlySpan<byte> head)
    {
        // dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative = unshared), seq_len
        for (int i = 0; i < 7; i++)
        {
            long v = BinaryPrimitives.ReadInt32LittleEndian(head[(i * 4)..]);
            if (i == 5) v = Math.Abs(v); // long: |int.MinValue| does not overflow
            if (v <= 0 || v > 1 << 24)
                return false;
        }
        return true;
    }
}
