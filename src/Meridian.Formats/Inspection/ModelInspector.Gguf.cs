// ModelInspector for GGUF: hyperparameters from the `<arch>.*` keys under llama.cpp's names,
// the tokenizer from `tokenizer.ggml.*`, and every metadata entry (long arrays summarised).
using System.Globalization;
using System.Text.Json.Nodes;
using Meridian.Core;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;

namespace Meridian.Formats.Inspection;

public static partial class ModelInspector
{
    // Arrays longer than this are shown as "[N strings]" rather than listed.
    private const int MaxListedArrayElements = 16;

    private static ModelSummary InspectGguf(string path)
    {
        using var gguf = GgufFile.Open(path);
        string? arch = gguf.Architecture;
        string p = arch is null ? "" : arch + ".";
        long? Int(string key) => arch is null ? null : OptionalInteger(gguf, p + key);
        double? Real(string key) => arch is null ? null : OptionalReal(gguf, p + key);

        IReadOnlyList<string>? tokens = gguf.TryGetValue("tokenizer.ggml.tokens", out var tv) && tv.IsArray && tv.ElementType == GgufValueType.String
            ? tv.AsStringList() : null;
        long? vocab = Int("vocab_size") ?? tokens?.Count;
        TokenizerSummary? tokenizer = null;
        if (gguf.ContainsKey("tokenizer.ggml.model") || tokens != null)
        {
            tokenizer = new TokenizerSummary
            {
                Model = gguf.TryGetString("tokenizer.ggml.model", out var m) ? m : null,
                Pre = gguf.TryGetString("tokenizer.ggml.pre", out var pre) ? pre : null,
                TokenCount = tokens?.Count,
                MergeCount = gguf.TryGetValue("tokenizer.ggml.merges", out var merges) && merges.IsArray ? merges.Length : null,
                BosTokenId = OptionalInteger(gguf, "tokenizer.ggml.bos_token_id"),
                EosTokenId = OptionalInteger(gguf, "tokenizer.ggml.eos_token_id"),
                HasChatTemplate = gguf.ContainsKey("tokenizer.chat_template"),
            };
        }

        var tensors = gguf.Tensors
            .Select(t => new TensorSummary(t.Name, t.Type.Name(), t.Dimensions, gguf.AbsoluteOffset(t), t.ByteSize))
            .ToList();
        return new ModelSummary
        {
            Format = "gguf",
            Version = (int)gguf.Version,
            Path = path,
            FileSize = gguf.FileLength,
            Architecture = arch,
            Name = gguf.TryGetString("general.name", out var name) ? name : null,
            ContextLength = Int("context_length"),
            EmbeddingLength = Int("embedding_length"),
            BlockCount = Int("block_count"),
            HeadCount = Int("attention.head_count"),
            HeadCountKv = Int("attention.head_count_kv"),
            FeedForwardLength = Int("feed_forward_length"),
            KeyLength = Int("attention.key_length"),
            VocabSize = vocab,
            RmsNormEps = Real("attention.layer_norm_rms_epsilon"),
            RopeFreqBase = Real("rope.freq_base"),
            RopeDimensionCount = Int("rope.dimension_count"),
            RopeScalingType = arch != null && gguf.TryGetString(p + "rope.scaling.type", out var st) ? st : null,
            RopeScalingFactor = Real("rope.scaling.factor"),
            Tokenizer = tokenizer,
            TensorCount = tensors.Count,
            TensorBytes = tensors.Sum(t => t.Bytes),
            Dtypes = DtypeUsage(tensors),
            Tensors = tensors,
            Metadata = gguf.Metadata.Select(e => new MetadataSummary(e.Key, e.Value.Describe(), ToJson(e.Value))).ToList(),
        };
    }

    // An integer key; a per-layer array (some architectures vary heads or ffn by layer) gives
    // its maximum. A key of another type is an error naming it (from the typed accessor).
    private static long? OptionalInteger(GgufFile gguf, string key)
    {
        if (!gguf.TryGetValue(key, out var value))
            return null;
        if (value.IsArray && value.Length > 0 && value.GetElement(0).IsInteger)
        {
            long max = long.MinValue;
            for (int i = 0; i < value.Length; i++)
            {
                var element = value.GetElement(i);
                if (!element.TryGetInteger(out Int128 v) || v > long.MaxValue || v < long.MinValue)
                    throw new ModelFormatException($"{gguf.Path}: metadata key '{key}' element {i} is {element}, outside the range of int64");
                max = Math.Max(max, (long)v);
            }
            return max;
        }
        return gguf.GetInt64(key);
    }

    // A real hyperparameter. NaN or infinity is a corrupt file (no model runs with it, and JSON
    // cannot carry it), refused by name as the HF config reader does.
    private static double? OptionalReal(GgufFile gguf, string key)
    {
        if (!gguf.TryGetValue(key, out var value))
            return null;
        double real = value.TryGetFloat64(out double d) ? (value.Type == GgufValueType.Float32 ? ShortestFloat32((float)d) : d)
            : value.TryGetInteger(out Int128 i) ? (double)i
            : gguf.GetFloat32(key); // wrong type: the accessor's error names the key and both types
        return double.IsFinite(real) ? real
            : throw new ModelFormatException($"{gguf.Path}: metadata key '{key}' is {real.ToString(CultureInfo.InvariantCulture)}; it must be a finite number");
    }

    private static JsonNode? ToJson(GgufValue value)
    {
        if (value.IsArray)
        {
            if (value.Length > MaxListedArrayElements)
                return JsonValue.Create($"[{value.Length} {GgufValue.TypeName(value.ElementType!.Value)}s]");
            var array = new JsonArray();
            for (int i = 0; i < value.Length; i++)
                array.Add(ToJson(value.GetElement(i)));
            return array;
        }
        if (value.Type == GgufValueType.String)
            return JsonValue.Create(value.AsString());
        if (value.Type == GgufValueType.Bool)
            return JsonValue.Create(value.AsBool());
        if (value.TryGetInteger(out Int128 i128))
            return i128 <= long.MaxValue ? JsonValue.Create((long)i128) : JsonValue.Create((ulong)i128);
        if (value.TryGetFloat64(out double d))
        {
            if (!double.IsFinite(d)) // JSON has no NaN/Infinity
                return JsonValue.Create(d.ToString(CultureInfo.InvariantCulture));
            // A float32 prints as its shortest float32 form (1e-05, not 9.999999747378752e-06).
            return JsonValue.Create(value.Type == GgufValueType.Float32 ? ShortestFloat32((float)d) : d);
        }
        return JsonValue.Create(value.ToString());
    }

    private static double ShortestFloat32(float f) =>
        double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
