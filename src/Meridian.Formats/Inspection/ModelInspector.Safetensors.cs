// ModelInspector for safetensors: a single file, or a Hugging Face directory with config.json,
// (sharded) safetensors and tokenizer.json / tokenizer_config.json beside them.
using System.Text.Json;
using System.Text.Json.Nodes;
using Meridian.Core;
using Meridian.Formats.HuggingFace;
using Meridian.Formats.Safetensors;

namespace Meridian.Formats.Inspection;

public static partial class ModelInspector
{
    // tokenizer.json of real models is 2-20 MB; anything far larger is not one.
    private const long MaxTokenizerJsonBytes = 256L << 20;

    private static ModelSummary InspectSafetensors(string path)
    {
        if (!Directory.Exists(path))
        {
            using var file = SafetensorsFile.Open(path);
            return SafetensorsSummary(path, [file], config: null, tokenizer: null, name: null);
        }

        string configPath = Path.Combine(path, "config.json");
        HfConfig? config = File.Exists(configPath) ? HfConfig.Load(configPath) : null;
        TokenizerSummary? tokenizer = HfTokenizerSummary(path, config);
        bool hasWeights = File.Exists(Path.Combine(path, SafetensorsModel.SingleFileName)) ||
                          File.Exists(Path.Combine(path, SafetensorsModel.IndexFileName));
        if (!hasWeights)
        {
            // A directory of loose shards without an index: inspect each file.
            var loose = Directory.GetFiles(path, "*.safetensors").Order(StringComparer.Ordinal).ToList();
            if (loose.Count == 0)
                throw new ModelFormatException($"{path}: directory holds config.json but no model.safetensors, {SafetensorsModel.IndexFileName} or other *.safetensors file");
            var files = new List<SafetensorsFile>();
            try
            {
                foreach (var f in loose) files.Add(SafetensorsFile.Open(f));
                return SafetensorsSummary(path, files, config, tokenizer, Path.GetFileName(Path.GetFullPath(path)));
            }
            finally
            {
                foreach (var f in files) f.Dispose();
            }
        }
        using var model = SafetensorsModel.Open(path);
        return SafetensorsSummary(path, model.Files, config, tokenizer, Path.GetFileName(Path.GetFullPath(path)));
    }

    private static ModelSummary SafetensorsSummary(string path, IReadOnlyList<SafetensorsFile> files, HfConfig? config,
        TokenizerSummary? tokenizer, string? name)
    {
        bool multi = files.Count > 1;
        var tensors = new List<TensorSummary>();
        var metadata = new List<MetadataSummary>();
        long fileSize = 0;
        foreach (var file in files)
        {
            fileSize += new FileInfo(file.Path).Length;
            foreach (var t in file.Tensors)
                tensors.Add(new TensorSummary(t.Name, t.DType.HeaderName(), t.Shape, file.DataStart + t.DataBegin, t.ByteLength,
                    multi ? Path.GetFileName(file.Path) : null));
            foreach (var (key, value) in file.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                metadata.Add(new MetadataSummary(multi ? $"{Path.GetFileName(file.Path)}:{key}" : key, "string", JsonValue.Create(value)));
        }
        return new ModelSummary
        {
            Format = "safetensors",
            Version = null,
            Path = path,
            FileSize = fileSize,
            Architecture = config?.ModelType,
            Name = name,
            ContextLength = config?.MaxPositionEmbeddings,
            EmbeddingLength = config?.HiddenSize,
            BlockCount = config?.NumHiddenLayers,
            HeadCount = config?.NumAttentionHeads,
            // HfConfig fills num_key_value_heads and rope_theta with transformers' defaults; inspect
            // reports only what the file states (docs/cli.md), as it does for GGUF.
            HeadCountKv = config != null && States(config, "num_key_value_heads") ? config.NumKeyValueHeads : null,
            FeedForwardLength = config?.IntermediateSize,
            KeyLength = config?.HeadDim,
            VocabSize = config?.VocabSize,
            RmsNormEps = config?.RmsNormEps,
            RopeFreqBase = config != null && (States(config, "rope_theta") || StatesRopeParametersTheta(config)) ? config.RopeTheta : null,
            RopeScalingType = config?.RopeScaling?.RopeType,
            RopeScalingFactor = config?.RopeScaling?.Factor,
            Tokenizer = tokenizer,
            TensorCount = tensors.Count,
            TensorBytes = tensors.Sum(t => t.Bytes),
            Dtypes = DtypeUsage(tensors),
            Tensors = tensors,
            Metadata = metadata,
        };
    }

    private static bool States(HfConfig config, string key) =>
        config.Raw.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    private static bool StatesRopeParametersTheta(HfConfig config) =>
        config.Raw.TryGetProperty("rope_parameters", out var p) && p.ValueKind == JsonValueKind.Object &&
        p.TryGetProperty("rope_theta", out var v) && v.ValueKind != JsonValueKind.Null;

    // Headline facts of tokenizer.json (+ tokenizer_config.json for the chat template).
    private static TokenizerSummary? HfTokenizerSummary(string dir, HfConfig? config)
    {
        string tokPath = Path.Combine(dir, "tokenizer.json");
        string tokConfigPath = Path.Combine(dir, "tokenizer_config.json");
        bool hasTok = File.Exists(tokPath), hasConfig = File.Exists(tokConfigPath);
        if (!hasTok && !hasConfig)
            return null;

        string? model = null;
        long? tokenCount = null, mergeCount = null;
        if (hasTok)
        {
            using var doc = ParseJsonFile(tokPath);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException($"{tokPath}: expected a JSON object, found {doc.RootElement.ValueKind}");
            if (doc.RootElement.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.Object)
            {
                if (m.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
                    model = type.GetString();
                long maxId = -1;
                if (m.TryGetProperty("vocab", out var vocab) && vocab.ValueKind == JsonValueKind.Object)
                    foreach (var entry in vocab.EnumerateObject())
                        if (entry.Value.TryGetInt64(out long id)) maxId = Math.Max(maxId, id);
                if (m.TryGetProperty("vocab", out vocab) && vocab.ValueKind == JsonValueKind.Array)
                    maxId = Math.Max(maxId, vocab.GetArrayLength() - 1); // Unigram: [[piece, score], ...]
                if (doc.RootElement.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
                    foreach (var a in added.EnumerateArray())
                        if (a.ValueKind == JsonValueKind.Object && a.TryGetProperty("id", out var idEl) && idEl.TryGetInt64(out long id))
                            maxId = Math.Max(maxId, id);
                tokenCount = maxId >= 0 ? maxId + 1 : null;
                if (m.TryGetProperty("merges", out var merges) && merges.ValueKind == JsonValueKind.Array)
                    mergeCount = merges.GetArrayLength();
            }
        }

        bool hasTemplate = false;
        if (hasConfig)
        {
            using var doc = ParseJsonFile(tokConfigPath);
            hasTemplate = doc.RootElement.ValueKind == JsonValueKind.Object &&
                          doc.RootElement.TryGetProperty("chat_template", out var t) &&
                          t.ValueKind is JsonValueKind.String or JsonValueKind.Array;
        }
        hasTemplate |= File.Exists(Path.Combine(dir, "chat_template.jinja"));

        return new TokenizerSummary
        {
            Model = model,
            TokenCount = tokenCount,
            MergeCount = mergeCount,
            BosTokenId = config?.BosTokenId,
            EosTokenId = config is { EosTokenIds.Count: > 0 } ? config.EosTokenIds[0] : null,
            HasChatTemplate = hasTemplate,
            Source = hasTok ? tokPath : tokConfigPath,
        };
    }

    private static JsonDocument ParseJsonFile(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxTokenizerJsonBytes)
            throw new ModelFormatException($"{path}: {length} bytes is too large for a tokenizer file (limit {MaxTokenizerJsonBytes})");
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    private static IReadOnlyList<DTypeUsage> DtypeUsage(IEnumerable<TensorSummary> tensors) =>
        tensors.GroupBy(t => t.Dtype)
            .Select(g => new DTypeUsage(g.Key, g.Count(), g.Sum(t => t.Bytes)))
            .OrderByDescending(u => u.Bytes).ThenBy(u => u.Dtype, StringComparer.Ordinal)
            .ToList();
}
