// `meridian inspect FILE [--tensors]` text output: the headline rows carry the values stored in
// the file (GGUF: read here by the spec-written header parse; other formats: the JSON form, which
// the format tests pin to config.json and the file headers), and --tensors lists every tensor.
using System.Globalization;
using System.Text.Json;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Inspect;

public class InspectTextOutputTests
{
    // The renderer prints rms_norm_eps with six significant digits ("G6").
    private const double G6RelTolerance = 5e-6;

    // Text row label -> (JSON field, GGUF key after "<arch>."), as docs/cli.md pairs them.
    private static readonly (string Label, string Field, string Key)[] HyperparameterRows =
    [
        ("context length", "context_length", "context_length"), ("embedding length", "embedding_length", "embedding_length"),
        ("block count", "block_count", "block_count"), ("head count", "head_count", "attention.head_count"),
        ("head count kv", "head_count_kv", "attention.head_count_kv"), ("key length", "key_length", "attention.key_length"),
        ("feed-forward length", "feed_forward_length", "feed_forward_length"),
        ("rope dimensions", "rope_dimension_count", "rope.dimension_count"),
        ("rms norm eps", "rms_norm_eps", "attention.layer_norm_rms_epsilon"), ("rope freq base", "rope_freq_base", "rope.freq_base"),
    ];

    public static TheoryData<string> Fixtures() => new(
        "stories260k/stories260K-F32.gguf", "stories260k/stories260K-Q4_K_M-mixed.gguf", "stories260k/stories260K-F32.gguf-v1.gguf",
        "stories260k/qwen2arch/stories260K-qwen2arch-F32.gguf", "vocab/ggml-vocab-phi-3.gguf", "vocab/ggml-vocab-gpt-2.gguf",
        "stories260k/hf", "stories260k/qwen2arch/hf", "stories260k/hf/model.safetensors",
        "stories260k/stories260K.bin", "stories260k/stories260K.v1-export.bin");

    [SkippableTheory]
    [InlineData("stories260k/stories260K-F32.gguf", true)]
    [InlineData("stories260k/qwen2arch/stories260K-qwen2arch-F32.gguf", true)]
    [InlineData("stories260k/hf", true)]
    [InlineData("vocab/ggml-vocab-gpt-2.gguf", false)]
    [InlineData("vocab/ggml-vocab-phi-3.gguf", true)] // the architecture runs (the file holds only a vocabulary)
    public void InspectText_SaysWhetherTheBuildRunsTheArchitecture_AndWhichItRuns(string relative, bool runs)
    {
        var r = CliRunner.Run("inspect", TestData.Require(relative));
        Assert.Equal(0, r.ExitCode);
        string row = Rows(r.Stdout)["runs here"];
        if (runs)
            Assert.Equal("yes", row);
        else
            Assert.Equal($"no (this build runs {string.Join(", ", Meridian.Models.Architectures.Architectures.SupportedNames)})", row);
    }

    // `inspect --architectures`: one line per architecture with its GGUF and Hugging Face names, the registry's; and the
    // same as JSON. Without FILE or the option, a usage error that says so.
    [Fact]
    public void InspectArchitectures_ListsTheRegistry()
    {
        var r = CliRunner.Run("inspect", "--architectures");
        Assert.Equal(0, r.ExitCode);
        foreach (var a in Meridian.Models.Architectures.Architectures.All)
        {
            foreach (string name in a.GgufNames.Concat(a.HfModelTypes))
                Assert.Contains(name, r.Stdout);
        }
        Assert.Contains("gemma3", r.Stdout);
        Assert.Contains("gpt-oss", r.Stdout);

        var json = CliRunner.Run("inspect", "--architectures", "--json");
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var names = doc.RootElement.GetProperty("architectures").EnumerateArray().SelectMany(a => a.GetProperty("gguf").EnumerateArray()).Select(e => e.GetString()!).ToList();
        Assert.Equal(Meridian.Models.Architectures.Architectures.SupportedNames, names);

        var none = CliRunner.Run("inspect");
        Assert.NotEqual(0, none.ExitCode);
        Assert.Contains("--architectures", none.Stderr);
    }

    [SkippableTheory]
    [MemberData(nameof(InspectGgufAgreesWithLlamaCppTests.AllGgufFiles), MemberType = typeof(InspectGgufAgreesWithLlamaCppTests))]
    public void InspectText_GgufFile_RowsShowStoredValues(string relative)
    {
        string path = TestData.Require(relative);
        var header = GgufHeaderReference.Read(path);
        var stored = header.Metadata.ToDictionary(kv => kv.Key);
        var r = CliRunner.Run("inspect", path);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stderr);
        var rows = Rows(r.Stdout);

        string arch = (string)stored["general.architecture"].Value!;
        Assert.Equal($"gguf v{header.Version}", rows["format"]);
        Assert.Equal(arch, rows["architecture"]);
        Assert.Equal(stored.GetValueOrDefault("general.name")?.Value as string, rows.GetValueOrDefault("name"));
        foreach (var (label, _, key) in HyperparameterRows)
        {
            object? value = stored.GetValueOrDefault($"{arch}.{key}")?.Value;
            string? row = rows.GetValueOrDefault(label);
            if (value is float f)
                AssertRealRow(label, f, row);
            else
                Assert.Equal(value is null ? null : Convert.ToString(value, CultureInfo.InvariantCulture), row);
        }
        long vocab = stored.TryGetValue($"{arch}.vocab_size", out var v) ? Convert.ToInt64(v.Value, CultureInfo.InvariantCulture)
            : stored["tokenizer.ggml.tokens"].ArrayLength;
        Assert.Equal(vocab.ToString(CultureInfo.InvariantCulture), rows["vocab size"]);
        Assert.StartsWith($"{stored["tokenizer.ggml.model"].Value}", rows["tokenizer"]);
        Assert.StartsWith($"{header.Tensors.Count} (", rows["tensors"]);

        // Every key, with its GGUF type, in the metadata section.
        var lines = r.Stdout.Split('\n');
        int metadataAt = Array.IndexOf(lines, "metadata");
        Assert.True(metadataAt > 0, "no metadata section");
        Assert.Equal(header.Metadata.Select(kv => $"  {kv.Key} ({kv.Type}) = "),
            lines.Skip(metadataAt + 1).Take(header.Metadata.Count).Select(l => l[..(l.IndexOf(") = ", StringComparison.Ordinal) + 4)]));
    }

    [SkippableTheory]
    [MemberData(nameof(Fixtures))]
    public void InspectText_AnyFormat_RowsEqualJsonFields(string relative)
    {
        string path = TestData.Require(relative);
        JsonElement json = CliRunner.InspectJson(path);
        var r = CliRunner.Run("inspect", path);
        Assert.Equal(0, r.ExitCode);
        var rows = Rows(r.Stdout);

        Assert.Equal(path, r.Stdout.Split('\n')[0]);
        Assert.StartsWith(json.Str("format")!, rows["format"]);
        Assert.Equal(json.Str("architecture"), rows.GetValueOrDefault("architecture"));
        Assert.Equal(json.Str("name"), rows.GetValueOrDefault("name"));
        foreach (var (label, field, _) in HyperparameterRows.Append(("vocab size", "vocab_size", "")))
        {
            if (json.Field(field).ValueKind == JsonValueKind.Null)
                Assert.False(rows.ContainsKey(label), $"{field} is null but the text shows {label} = {rows.GetValueOrDefault(label)}");
            else if (field is "rms_norm_eps" or "rope_freq_base")
                AssertRealRow(label, json.Real(field)!.Value, rows.GetValueOrDefault(label));
            else
                Assert.Equal(json.Int(field)!.Value.ToString(CultureInfo.InvariantCulture), rows.GetValueOrDefault(label));
        }
        Assert.StartsWith($"{json.Int("tensor_count")} (", rows["tensors"]);
    }

    [SkippableTheory]
    [MemberData(nameof(Fixtures))]
    public void InspectText_WithTensorsOption_ListsEveryTensorAndOnlyThen(string relative)
    {
        string path = TestData.Require(relative);
        var tensors = CliRunner.InspectJson(path).Tensors(); // empty for the vocab-only GGUFs: a header and no rows

        var with = CliRunner.Run("inspect", path, "--tensors");
        var without = CliRunner.Run("inspect", path);
        Assert.Equal(0, with.ExitCode);
        Assert.Equal("", with.Stderr);

        // One row per tensor: name, dtype, [shape], offset, bytes (in the JSON's file order).
        var table = with.Stdout.Split('\n').SkipWhile(l => l != "tensors").Skip(2).Where(l => l.Length > 0).ToList();
        Assert.Equal(tensors.Count, table.Count);
        foreach (var (t, row) in tensors.Zip(table))
        {
            string[] cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(t.Str("name"), cells[0]);
            Assert.Equal(t.Str("dtype"), cells[1]);
            Assert.Contains($" [{string.Join(", ", t.Shape())}] ", row);
            Assert.Equal(t.Int("offset").ToString(), cells[^2]);
            Assert.Equal(t.Int("bytes").ToString(), cells[^1]);
        }
        // Without --tensors the table is absent (the row names are long enough to be unambiguous).
        foreach (var t in tensors.Where(t => t.Str("name")!.Length > 8))
            Assert.DoesNotContain(t.Str("name")!, without.Stdout);
    }

    // "  label<padded to 22>value" rows before the metadata / tensors sections.
    private static Dictionary<string, string> Rows(string stdout)
    {
        var rows = new Dictionary<string, string>();
        foreach (string line in stdout.Split('\n').Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)))
            if (line.Length > 24 && line[2] != ' ')
                rows.Add(line[2..24].TrimEnd(), line[24..]);
        return rows;
    }

    private static void AssertRealRow(string label, double expected, string? row)
    {
        Assert.True(row is not null, $"no {label} row; expected {expected}");
        double shown = double.Parse(row, CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(shown - expected) <= G6RelTolerance * Math.Abs(expected), $"{label}: shows {row}, expected {expected}");
    }
}
