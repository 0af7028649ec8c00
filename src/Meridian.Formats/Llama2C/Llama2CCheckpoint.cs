// Reader for llama2.c checkpoints: the legacy layout run.c reads and the version-1 export.
// Facts from karpathy/llama2.c (MIT): run.c read_checkpoint/memory_map_weights, export.py
// legacy_export/version1_export. Weights are f32, memory-mapped, never copied.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Meridian.Core;
using Meridian.Formats.IO;

namespace Meridian.Formats.Llama2C;

/// <summary>
/// An open llama2.c checkpoint. Opening validates the header and that the file length is
/// exactly what the header implies; weights are views into a read-only map, valid until
/// <see cref="Dispose"/>. Version 2 (Q8_0) and other versions are refused by number.
/// </summary>
public sealed class Llama2CCheckpoint : IDisposable
{
    /// <summary>"ak42" read as a little-endian uint32: the magic of versioned exports.</summary>
    public const uint Magic = 0x616b3432;

    private const int LegacyHeaderBytes = 7 * sizeof(int);
    private const int Version1HeaderBytes = 256;

    private readonly MappedFile _map;
    private readonly Dictionary<string, Llama2CTensor> _byName;

    private Llama2CCheckpoint(MappedFile map, Llama2CConfig config, List<Llama2CTensor> tensors)
    {
        _map = map;
        Config = config;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file's path as given.</summary>
    public string Path => _map.Path;

    /// <summary>The header.</summary>
    public Llama2CConfig Config { get; }

    /// <summary>All weights, in file order.</summary>
    public IReadOnlyList<Llama2CTensor> Tensors { get; }

    /// <summary>Maps and validates <paramref name="path"/>; a malformed file is a <see cref="ModelFormatException"/> naming the field or sizes at fault.</summary>
    public static Llama2CCheckpoint Open(string path)
    {
        var map = MappedFile.Open(path);
        try
        {
            var (config, headerBytes) = ReadHeader(map);
            var tensors = Layout(path, config, headerBytes, out long expected);
            if (expected != map.Length)
                throw new ModelFormatException(
                    $"{path}: a {config.Format} llama2.c checkpoint with dim={config.Dim}, hidden_dim={config.HiddenDim}, n_layers={config.NumLayers}, " +
                    $"n_heads={config.NumHeads}, n_kv_heads={config.NumKvHeads}, vocab_size={config.VocabSize}, seq_len={config.SeqLen}, " +
                    $"shared_classifier={config.SharedClassifier} takes {expected} bytes, but the file has {map.Length}");
            return new Llama2CCheckpoint(map, config, tensors);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>The weight named <paramref name="name"/> (see <see cref="Llama2CTensor.Name"/>); <see cref="KeyNotFoundException"/> when absent.</summary>
    public Llama2CTensor GetTensor(string name) =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");

    /// <summary>Looks a weight up by name (wcls exists only with an unshared classifier, freq_cis_* only in legacy files).</summary>
    public bool TryGetTensor(string name, out Llama2CTensor tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>The weight's raw little-endian f32 bytes (no copy). Over 2 GiB, use <see cref="GetLayerData"/>.</summary>
    public ReadOnlySpan<byte> GetTensorData(string name)
    {
        var t = GetTensor(name);
        return _map.Span(t.Offset, t.ByteLength);
    }

    /// <summary>The weight as f32 values (no copy; the file is little-endian, as is every host .NET supports here).</summary>
    public ReadOnlySpan<float> GetTensorFloats(string name) => MemoryMarshal.Cast<byte, float>(GetTensorData(name));

    /// <summary>One layer of a stacked per-layer weight, as f32 values (no copy).</summary>
    public ReadOnlySpan<float> GetLayerData(string name, int layer)
    {
        var t = GetTensor(name);
        if (!t.IsPerLayer)
            throw new ArgumentException($"tensor '{name}' is not per-layer", nameof(name));
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, Config.NumLayers);
        long perLayer = t.ByteLength / Config.NumLayers;
        return MemoryMarshal.Cast<byte, float>(_map.Span(t.Offset + layer * perLayer, perLayer));
    }

    /// <inheritdoc />
    public void Dispose() => _map.Dispose();

    private static (Llama2CConfig Config, int HeaderBytes) ReadHeader(MappedFile map)
    {
        string path = map.Path;
        if (map.Length < LegacyHeaderBytes)
            throw new ModelFormatException($"{path}: {map.Length} bytes is too short for a llama2.c header ({LegacyHeaderBytes} bytes)");
        var head = map.Span(0, LegacyHeaderBytes);
        if (BinaryPrimitives.ReadUInt32LittleEndian(head) != Magic)
        {
            int[] f = ReadInts(head, 0);
            // Legacy: a negative vocab_size marks an unshared classifier (run.c read_checkpoint).
            var legacy = Validate(path, f, 0, vocabSignIsShared: true, shared: f[5] > 0, Llama2CFormat.Legacy);
            return (legacy, LegacyHeaderBytes);
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(head[4..]);
        if (version == 2)
            throw new ModelFormatException($"{path}: llama2.c export version 2 (Q8_0-quantized, for runq.c) is not supported; export version 1 (f32) or legacy");
        if (version != 1)
            throw new ModelFormatException($"{path}: llama2.c export version {version} (byte 4) is not supported; only legacy and version 1 are");
        if (map.Length < Version1HeaderBytes)
            throw new ModelFormatException($"{path}: {map.Length} bytes is too short for a version 1 header ({Version1HeaderBytes} bytes)");
        var header = map.Span(0, Version1HeaderBytes);
        int[] fields = ReadInts(header, 8);
        byte sharedByte = header[36];
        if (sharedByte > 1)
            throw new ModelFormatException($"{path}: shared_classifier flag at byte 36 is {sharedByte}, expected 0 or 1");
        var v1 = Validate(path, fields, 8, vocabSignIsShared: false, shared: sharedByte == 1, Llama2CFormat.Version1);
        return (v1, Version1HeaderBytes);
    }

    private static int[] ReadInts(ReadOnlySpan<byte> bytes, int start)
    {
        var f = new int[7];
        for (int i = 0; i < 7; i++)
            f[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(start + 4 * i)..]);
        return f;
    }

    private static readonly string[] FieldNames = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"];

    private static Llama2CConfig Validate(string path, int[] f, int start, bool vocabSignIsShared, bool shared, Llama2CFormat format)
    {
        for (int i = 0; i < 7; i++)
        {
            bool ok = i == 5 && vocabSignIsShared ? f[i] != 0 && f[i] != int.MinValue : f[i] > 0;
            if (!ok)
                throw new ModelFormatException($"{path}: header field {FieldNames[i]} (byte {start + 4 * i}) is {f[i]}, which is not a valid size");
        }
        var c = new Llama2CConfig(f[0], f[1], f[2], f[3], f[4], Math.Abs(f[5]), f[6], shared, format);
        if (c.Dim % c.NumHeads != 0)
            throw new ModelFormatException($"{path}: n_heads {c.NumHeads} does not divide dim {c.Dim}");
        if (c.NumKvHeads > c.NumHeads || c.NumHeads % c.NumKvHeads != 0)
            throw new ModelFormatException($"{path}: n_kv_heads {c.NumKvHeads} does not divide n_heads {c.NumHeads}");
        return c;
    }

    /// <summary>Tensors in file order with absolute offsets; <paramref name="end"/> is the exact file length they imply.</summary>
    private static List<Llama2CTensor> Layout(string path, Llama2CConfig c, int headerBytes, out long end)
    {
        // L = layers, D = dim, Hd = hidden_dim, Kv = kv_dim, V = vocab, S = seq_len, h = head_size
        long L = c.NumLayers, D = c.Dim, Hd = c.HiddenDim, Kv = c.KvDim, V = c.VocabSize, S = c.SeqLen, h = c.HeadSize;
        var shapes = new Dictionary<string, long[]>
        {
            ["token_embedding_table"] = [V, D],
            ["rms_att_weight"] = [L, D],
            ["wq"] = [L, D, D],
            ["wk"] = [L, Kv, D],
            ["wv"] = [L, Kv, D],
            ["wo"] = [L, D, D],
            ["rms_ffn_weight"] = [L, D],
            ["w1"] = [L, Hd, D],
            ["w2"] = [L, D, Hd],
            ["w3"] = [L, Hd, D],
            ["rms_final_weight"] = [D],
            // run.c skips these (seq_len * head_size / 2 floats each); export.py wrote freqs_cos/sin.
            ["freq_cis_real"] = [S, h / 2],
            ["freq_cis_imag"] = [S, h / 2],
            ["wcls"] = [V, D],
        };
        string[] order = c.Format == Llama2CFormat.Legacy
            ? ["token_embedding_table", "rms_att_weight", "wq", "wk", "wv", "wo", "rms_ffn_weight", "w1", "w2", "w3", "rms_final_weight", "freq_cis_real", "freq_cis_imag"]
            : ["rms_att_weight", "rms_ffn_weight", "rms_final_weight", "token_embedding_table", "wq", "wk", "wv", "wo", "w1", "w2", "w3"];
        if (!c.SharedClassifier)
            order = [.. order, "wcls"];

        var tensors = new List<Llama2CTensor>(order.Length);
        long offset = headerBytes;
        try
        {
            foreach (string name in order)
            {
                var t = new Llama2CTensor(name, shapes[name], offset, IsPerLayer: shapes[name].Length == 3 || name is "rms_att_weight" or "rms_ffn_weight");
                tensors.Add(t);
                offset = checked(offset + t.ByteLength);
            }
        }
        catch (OverflowException e)
        {
            throw new ModelFormatException($"{path}: header sizes overflow a 64-bit file length (dim={c.Dim}, hidden_dim={c.HiddenDim}, n_layers={c.NumLayers}, vocab_size={c.VocabSize}, seq_len={c.SeqLen})", e);
        }
        end = offset;
        return tensors;
    }
}
