// Human-readable form of a ModelSummary: headline facts first, then dtypes, metadata and
// (with --tensors) a table of every tensor.
using System.Globalization;
using Meridian.Formats.Inspection;

namespace Meridian.Cli.Inspect;

internal static class InspectTextRenderer
{
    private const int Label = 22;

    public static void Write(TextWriter w, ModelSummary s, bool listTensors)
    {
        w.WriteLine(s.Path);
        Row(w, "format", s.Format == "llama2c" && s.Version == 0 ? "llama2c (legacy)" : s.Version is int v ? $"{s.Format} v{v}" : s.Format);
        Row(w, "file size", Bytes(s.FileSize));
        Row(w, "architecture", s.Architecture);
        Row(w, "runs here", s.Architecture is null ? null
            : Meridian.Models.Architectures.Architectures.SupportedNames.Contains(s.Architecture) ? "yes"
            : $"no (this build runs {string.Join(", ", Meridian.Models.Architectures.Architectures.SupportedNames)})");
        Row(w, "name", s.Name);
        // Provenance, where the file states it (GGUF general.* keys).
        Row(w, "description", MetadataString(s, "general.description"));
        Row(w, "license", MetadataString(s, "general.license"));
        Row(w, "source", MetadataString(s, "general.source.description") ?? MetadataString(s, "general.source.url"));
        Row(w, "context length", s.ContextLength);
        Row(w, "embedding length", s.EmbeddingLength);
        Row(w, "block count", s.BlockCount);
        Row(w, "head count", s.HeadCount);
        Row(w, "head count kv", s.HeadCountKv);
        Row(w, "key length", s.KeyLength);
        Row(w, "feed-forward length", s.FeedForwardLength);
        Row(w, "vocab size", s.VocabSize);
        Row(w, "rms norm eps", s.RmsNormEps?.ToString("G6", CultureInfo.InvariantCulture));
        Row(w, "rope freq base", s.RopeFreqBase?.ToString("G9", CultureInfo.InvariantCulture));
        Row(w, "rope dimensions", s.RopeDimensionCount);
        Row(w, "rope scaling", s.RopeScalingType is null ? null
            : s.RopeScalingFactor is double f ? $"{s.RopeScalingType} x{f.ToString(CultureInfo.InvariantCulture)}" : s.RopeScalingType);

        if (s.Tokenizer is { } t)
        {
            var parts = new List<string>();
            if (t.Model != null) parts.Add(t.Pre != null ? $"{t.Model} (pre {t.Pre})" : t.Model);
            if (t.TokenCount != null) parts.Add($"{t.TokenCount} tokens");
            if (t.MergeCount != null) parts.Add($"{t.MergeCount} merges");
            if (t.BosTokenId != null) parts.Add($"bos {t.BosTokenId}");
            if (t.EosTokenId != null) parts.Add($"eos {t.EosTokenId}");
            parts.Add(t.HasChatTemplate ? "chat template" : "no chat template");
            if (t.Source != null) parts.Add($"from {t.Source}");
            Row(w, "tokenizer", string.Join(", ", parts));
        }
        else
        {
            Row(w, "tokenizer", "none");
        }

        Row(w, "tensors", $"{s.TensorCount} ({Bytes(s.TensorBytes)})");
        foreach (var d in s.Dtypes)
            w.WriteLine($"  {"",-Label}{d.Dtype,-8}{d.Count,6} tensors {Bytes(d.Bytes),12}");

        if (s.Metadata.Count > 0)
        {
            w.WriteLine("metadata");
            foreach (var m in s.Metadata)
                w.WriteLine($"  {m.Key} ({m.Type}) = {MetadataText(m)}");
        }

        if (listTensors)
        {
            w.WriteLine("tensors");
            int nameWidth = Math.Max(4, s.Tensors.Count == 0 ? 4 : s.Tensors.Max(x => x.Name.Length));
            w.WriteLine($"  {"name".PadRight(nameWidth)}  {"dtype",-8} {"shape",-22} {"offset",12} {"bytes",12}");
            foreach (var x in s.Tensors)
            {
                string shape = "[" + string.Join(", ", x.Shape) + "]";
                string file = x.File != null ? $"  {x.File}" : "";
                w.WriteLine($"  {x.Name.PadRight(nameWidth)}  {x.Dtype,-8} {shape,-22} {x.Offset,12} {x.Bytes,12}{file}");
            }
        }
    }

    private static string? MetadataString(ModelSummary s, string key) =>
        s.Metadata.FirstOrDefault(m => m.Key == key)?.Value is { } v && v.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? v.GetValue<string>()
            : null;

    private static string MetadataText(MetadataSummary m)
    {
        if (m.Value is null) return "null";
        string text = m.Value.GetValueKind() == System.Text.Json.JsonValueKind.String ? m.Value.GetValue<string>() : m.Value.ToJsonString();
        text = text.ReplaceLineEndings("\\n");
        return text.Length > 120 ? text[..117] + "..." : text;
    }

    private static void Row(TextWriter w, string label, object? value)
    {
        if (value is null) return;
        w.WriteLine($"  {label.PadRight(Label)}{Convert.ToString(value, CultureInfo.InvariantCulture)}");
    }

    internal static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return u == 0 ? $"{bytes} B" : $"{v.ToString("0.00", CultureInfo.InvariantCulture)} {units[u]}";
    }
}
