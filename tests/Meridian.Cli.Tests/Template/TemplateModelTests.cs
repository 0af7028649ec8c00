// `meridian template --model`: the chat template stored with the model, with bos/eos/unk/pad filled
// from the model's tokens unless the context names them. Compared with the golden renders of the same
// template text (phi3-mini is the phi-3 GGUF's tokenizer.chat_template; qwen3 and llama3-base are the
// chat_template of the tokenizer_config.json beside those tokenizers), given a context without the
// special tokens, so the ones the golden passed must come from the model.
using System.Text.Json.Nodes;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Template;

public sealed class TemplateModelTests
{
    private const string Phi3Gguf = "vocab/ggml-vocab-phi-3.gguf";

    public static TheoryData<string, string, string> Models => new()
    {
        { Phi3Gguf, "phi3-mini", "s01_single_user" },
        { "hf-tokenizers/qwen3", "qwen3", "s01_single_user" },
        { "hf-tokenizers/qwen3/tokenizer.json", "qwen3", "s15_template_kwargs" },
        { "hf-tokenizers/llama3", "llama3-base", "s01_single_user" },
    };

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void Template_ModelWithChatTemplate_PrintsTheGoldenRenderWithTheModelsTokens(string model, string template, string scenario)
    {
        string path = TestData.Require(model);
        string expected = File.ReadAllText(GoldenChatTemplates.Expected($"expected/{template}__{scenario}.txt"));
        using var dir = new TempDir();
        string context = GoldenChatTemplates.Write(dir, GoldenChatTemplates.Context(template, scenario, withSpecialTokens: false));

        var r = CliRunner.Run("template", "--model", path, "--context", context, "--now", GoldenChatTemplates.FixedClock);

        Assert.Equal("", r.Stderr);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(expected, r.Stdout);
    }

    [SkippableFact]
    public void Template_Phi3GgufWithBosInContext_ContextWins()
    {
        string gguf = TestData.Require(Phi3Gguf);
        string golden = File.ReadAllText(GoldenChatTemplates.Expected("expected/phi3-mini__s01_single_user.txt"));
        // The template opens with {{ bos_token }} and uses it nowhere else: the golden starts with the model's "<s>".
        Assert.StartsWith("<s><|user|>", golden);
        string expected = "<BOS>" + golden["<s>".Length..];
        using var dir = new TempDir();
        var context = GoldenChatTemplates.Context("phi3-mini", "s01_single_user", withSpecialTokens: false);
        context["bos_token"] = "<BOS>";
        string path = GoldenChatTemplates.Write(dir, context);

        var r = CliRunner.Run("template", "--model", gguf, "--context", path);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(expected, r.Stdout);
    }

    [SkippableTheory]
    [InlineData("vocab/ggml-vocab-llama-spm.gguf")]
    [InlineData("stories260k/tok512.bin")]
    public void Template_ModelWithoutChatTemplate_OneErrorLineNamingIt(string model)
    {
        string path = TestData.Require(model);
        using var dir = new TempDir();
        string context = GoldenChatTemplates.Write(dir, new JsonObject { ["messages"] = new JsonArray() });

        string line = CliAssert.OneErrorLine(CliRunner.Run("template", "--model", path, "--context", context));

        Assert.Contains(path, line);
        Assert.Contains("no chat template", line);
    }
}
