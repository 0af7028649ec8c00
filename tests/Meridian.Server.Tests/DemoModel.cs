// The served model of these tests: the bundled demo model's real tokenizer and chat template
// (models/demo/meridian-demo.gguf), loaded once. Tests skip with a reason when the checkout lacks it.
using Meridian.Engine.Serving;
using Meridian.Models.Tokenizers;
using Meridian.Tokenizers;
using Meridian.Tokenizers.Templates;

namespace Meridian.Server.Tests;

internal static class DemoModel
{
    public const string Name = "meridian-demo";
    public const int MaxContext = 256;
    public const long Created = 1_700_000_000;

    private static readonly Lazy<string?> Path = new(FindModel);
    private static readonly Lazy<Tokenizer> Loaded = new(() => TokenizerLoader.Load(Path.Value!));

    /// <summary>The demo tokenizer; skips the test when the model file is absent.</summary>
    public static Tokenizer Tokenizer
    {
        get
        {
            Skip.If(Path.Value is null, "models/demo/meridian-demo.gguf not found above the test binaries; skipping a test that needs the demo tokenizer");
            return Loaded.Value;
        }
    }

    /// <summary>Path of the demo model file; skips the test when it is absent.</summary>
    public static string File
    {
        get
        {
            Skip.If(Path.Value is null, "models/demo/meridian-demo.gguf not found above the test binaries; skipping a test that needs the demo model");
            return Path.Value!;
        }
    }

    /// <summary>The model info a real engine would publish for the demo model; <paramref name="withTemplate"/> false = no template (ChatML fallback).</summary>
    public static EngineModelInfo Info(bool withTemplate = true)
    {
        var tok = Tokenizer;
        var template = withTemplate && tok.Spec.ChatTemplate is { } source ? ChatTemplate.Parse(source, "demo chat template") : null;
        var special = new ChatTemplateSpecialTokens(tok.BosId >= 0 ? tok.TokenText(tok.BosId) : null, tok.EosId >= 0 ? tok.TokenText(tok.EosId) : null);
        return new EngineModelInfo(Name, tok, template, special, MaxContext, Created) { KvCacheType = "f16", KvCacheBytes = 12_345_678 };
    }

    private static string? FindModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (!System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "Meridian.slnx")))
                continue;
            string path = System.IO.Path.Combine(dir.FullName, "models", "demo", "meridian-demo.gguf");
            return System.IO.File.Exists(path) ? path : null;
        }
        return null;
    }
}
