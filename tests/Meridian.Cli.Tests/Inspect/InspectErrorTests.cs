// `meridian inspect` on bad input: missing, empty, foreign, truncated and hostile files must give
// exit 1, nothing on stdout and one `meridian: error:` line naming the path (docs/cli.md), never
// a stack trace or an internal error. The hostile files are written here, byte by byte.
using System.Text;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Inspect;

public class InspectErrorTests
{
    private const string ErrorPrefix = "meridian: error: ";

    public static TheoryData<string, bool> BadInputs()
    {
        var data = new TheoryData<string, bool>();
        foreach (string name in BadInputNames)
            foreach (bool json in new[] { false, true })
                data.Add(name, json);
        return data;
    }

    private static readonly string[] BadInputNames =
    [
        "missing file", "missing directory", "empty file", "text file", "directory without a model",
        "stories260K-F32.gguf cut to 100 bytes", "stories260K-F32.gguf without its last byte",
        "gguf with absurd counts", "gguf with absurd tensor count", "gguf with unsupported version",
        "gguf with absurd string length", "gguf with absurd array length", "gguf with unknown value type",
        "gguf with absurd tensor dimensions", "gguf with tensor element count overflow", "gguf with unknown tensor type",
        "gguf with tensor data past the end", "gguf with NaN rms epsilon", "gguf with infinite rope base",
        "gguf with string block count", "gguf with per-layer feed-forward lengths beyond int64", "safetensors with absurd header length", "safetensors with broken json",
        "llama2c header without weights", "hf directory with broken config.json",
    ];

    [SkippableTheory]
    [MemberData(nameof(BadInputs))]
    public void Inspect_BadInput_ExitsOneWithOneErrorLineNamingThePath(string input, bool json)
    {
        using var dir = new TempDir();
        string path = Create(dir, input);

        var r = json ? CliRunner.Run("inspect", path, "--json") : CliRunner.Run("inspect", path);

        Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}, stderr: {r.Stderr}");
        Assert.Equal("", r.Stdout);
        Assert.DoesNotContain("   at ", r.Stderr);
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one stderr line, got {lines.Length}:\n{r.Stderr}");
        Assert.StartsWith(ErrorPrefix, lines[0]);
        Assert.Contains(path, lines[0]);
        Assert.True(r.Stderr.EndsWith('\n'), "the error line ends with a newline");
    }

    [Fact]
    public void Inspect_NoFileArgument_FailsWithUsageError()
    {
        var r = CliRunner.Run("inspect");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("inspect", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr + r.Stdout);
    }

    [Fact]
    public void Inspect_UnknownOption_FailsWithUsageError()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("inspect", dir.Path, "--no-such-option");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--no-such-option", r.Stderr);
    }

    [Fact]
    public void Inspect_Help_DescribesFileAndBothOptions()
    {
        var r = CliRunner.Run("inspect", "--help");

        Assert.Equal(0, r.ExitCode);
        foreach (string expected in new[] { "FILE", "--json", "--tensors" })
            Assert.Contains(expected, r.Stdout);
    }

    private static string Create(TempDir dir, string input)
    {
        string path = dir.File("model.bin");
        switch (input)
        {
            case "missing file":
                return dir.File("no-such-model.gguf");
            case "missing directory":
                return Path.Combine(dir.Path, "no-such-dir", "model.gguf");
            case "empty file":
                File.WriteAllBytes(path, []);
                return path;
            case "text file":
                File.WriteAllText(path, "This is a README, not a model.\n");
                return path;
            case "directory without a model":
                File.WriteAllText(dir.File("notes.txt"), "nothing here");
                return dir.Path;
            case "stories260K-F32.gguf cut to 100 bytes":
                File.WriteAllBytes(path, File.ReadAllBytes(TestData.Require("stories260k/stories260K-F32.gguf"))[..100]);
                return path;
            case "stories260K-F32.gguf without its last byte":
                File.WriteAllBytes(path, File.ReadAllBytes(TestData.Require("stories260k/stories260K-F32.gguf"))[..^1]);
                return path;
            case "hf directory with broken config.json":
                File.WriteAllText(dir.File("config.json"), "{\"model_type\": \"llama\", ");
                File.WriteAllBytes(dir.File("model.safetensors"), [.. BitConverter.GetBytes(2L), .. "{}"u8]);
                return dir.Path;
        }

        using var w = new BinaryWriter(File.Create(path));
        void Str(string s) { w.Write((ulong)Encoding.UTF8.GetByteCount(s)); w.Write(Encoding.UTF8.GetBytes(s)); }
        void Gguf(ulong tensors, ulong kvs) { w.Write("GGUF"u8); w.Write(3u); w.Write(tensors); w.Write(kvs); }
        void Tensor(string name, ulong[] ne, uint type, ulong offset)
        {
            Str(name);
            w.Write((uint)ne.Length);
            foreach (ulong d in ne) w.Write(d);
            w.Write(type);
            w.Write(offset);
        }
        void Arch() { Str("general.architecture"); w.Write(8u); Str("llama"); }
        const uint F32 = 0, Float32Value = 6, StringValue = 8, ArrayValue = 9, Uint64Value = 10;

        switch (input)
        {
            case "gguf with absurd counts":
                Gguf(1UL << 62, 1UL << 62);
                break;
            case "gguf with absurd tensor count":
                Gguf(ulong.MaxValue, 0);
                break;
            case "gguf with unsupported version":
                w.Write("GGUF"u8); w.Write(99u); w.Write(0UL); w.Write(0UL);
                break;
            case "gguf with absurd string length":
                Gguf(0, 1); w.Write(1UL << 62); w.Write("key"u8);
                break;
            case "gguf with absurd array length":
                Gguf(0, 1); Str("tokenizer.ggml.tokens"); w.Write(ArrayValue); w.Write(StringValue); w.Write(1UL << 61);
                break;
            case "gguf with unknown value type":
                Gguf(0, 1); Str("key"); w.Write(77u); w.Write(0UL);
                break;
            case "gguf with absurd tensor dimensions":
                Gguf(1, 0); Str("t"); w.Write(int.MaxValue); w.Write(1UL); w.Write(1UL);
                break;
            case "gguf with tensor element count overflow":
                Gguf(1, 0); Tensor("t", [1UL << 62, 1UL << 62], F32, 0);
                break;
            case "gguf with unknown tensor type":
                Gguf(1, 0); Tensor("t", [4], 999, 0);
                break;
            case "gguf with tensor data past the end": // 2^40 floats claimed, 64 bytes present
                Gguf(1, 0); Tensor("t", [1UL << 40], F32, 0);
                break;
            case "gguf with NaN rms epsilon":
                Gguf(0, 2); Arch(); Str("llama.attention.layer_norm_rms_epsilon"); w.Write(Float32Value); w.Write(float.NaN);
                break;
            case "gguf with infinite rope base":
                Gguf(0, 2); Arch(); Str("llama.rope.freq_base"); w.Write(Float32Value); w.Write(float.PositiveInfinity);
                break;
            case "gguf with string block count":
                Gguf(0, 2); Arch(); Str("llama.block_count"); w.Write(StringValue); Str("five");
                break;
            case "gguf with per-layer feed-forward lengths beyond int64": // an array[uint64], as per-layer keys may be
                Gguf(0, 2); Arch(); Str("llama.feed_forward_length"); w.Write(ArrayValue); w.Write(Uint64Value); w.Write(2UL);
                w.Write(172UL); w.Write(ulong.MaxValue);
                break;
            case "safetensors with absurd header length":
                w.Write(1UL << 62); w.Write("{}"u8);
                break;
            case "safetensors with broken json":
                w.Write(10UL); w.Write("{\"a\": [1, "u8);
                break;
            case "llama2c header without weights": // dim, hidden, layers, heads, kv heads, vocab, seq_len
                foreach (int v in new[] { 64, 172, 5, 8, 4, 512, 512 }) w.Write(v);
                break;
            default:
                throw new ArgumentException($"no such bad input: {input}", nameof(input));
        }
        w.Write(new byte[64]); // some padding, so that "truncated" is not the only possible complaint
        return path;
    }
}
