// TokenizerLoader on small GGUF files written by our own GgufWriter: what a file says reaches the spec,
// and a missing key or an unknown model / pre-tokenizer name is refused by name.
using Meridian.Formats.Gguf;
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;

namespace Meridian.Tokenizers.Tests;

public class TokenizerLoaderTests
{
    private static string WriteGguf(TempDir dir, Action<GgufWriter> fill)
    {
        var w = new GgufWriter();
        w.Add("general.architecture", "llama");
        fill(w);
        string path = dir.File("t.gguf");
        w.Write(path);
        return path;
    }

    private static void ByteLevelVocab(GgufWriter w, string? pre)
    {
        w.Add("tokenizer.ggml.model", "gpt2");
        if (pre is not null)
            w.Add("tokenizer.ggml.pre", pre);
        w.Add("tokenizer.ggml.tokens", [.. Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.ByteToChar[b].ToString()), "ab"]);
        w.Add("tokenizer.ggml.merges", new[] { "a b" });
    }

    [Fact]
    public void LoadSpec_ByteLevelGguf_ReadsVocabMergesAndLlamaCppDefaults()
    {
        using var dir = new TempDir();
        string path = WriteGguf(dir, w => ByteLevelVocab(w, "qwen2"));
        var spec = TokenizerLoader.LoadSpec(path);

        Assert.Equal(TokenizerKind.ByteLevelBpe, spec.Kind);
        Assert.Equal("qwen2", spec.Pre);
        Assert.Equal(257, spec.VocabSize);
        Assert.False(spec.CleanSpaces);   // qwen2 turns clean_spaces off
        Assert.Equal(11, spec.BosId);     // llama.cpp's BPE default BOS/EOS id
        Assert.Equal([256], TokenizerLoader.Load(path).Encode("ab"));
    }

    [Fact]
    public void LoadSpec_MissingModelKey_NamesTheKey()
    {
        using var dir = new TempDir();
        string path = WriteGguf(dir, w => w.Add("tokenizer.ggml.tokens", new[] { "a" }));
        var e = Assert.Throws<TokenizerException>(() => TokenizerLoader.LoadSpec(path));
        Assert.Contains("tokenizer.ggml.model", e.Message);
    }

    [Fact]
    public void LoadSpec_UnknownModel_IsRefusedNamingIt()
    {
        using var dir = new TempDir();
        string path = WriteGguf(dir, w =>
        {
            w.Add("tokenizer.ggml.model", "bert");
            w.Add("tokenizer.ggml.tokens", new[] { "a" });
        });
        var e = Assert.Throws<TokenizerException>(() => TokenizerLoader.LoadSpec(path));
        Assert.Contains("'bert'", e.Message);
    }

    // GPT-OSS's tokenizer.json split is llama.cpp's "gpt-4o" pre-tokenizer: recognised by name, so its GGUF files
    // (tokenizer.ggml.pre = "gpt-4o") and `meridian convert` take the same preset that reproduces its reference ids.
    [SkippableFact]
    public void LoadSpec_GptOssTokenizerJson_IsTheGpt4oPreset()
    {
        var spec = TokenizerLoader.LoadSpec(Meridian.Tests.Shared.TestData.Require("hf-tokenizers/gpt-oss/tokenizer.json"));
        Assert.Equal("gpt-4o", spec.Pre);
        Assert.Null(spec.PreRegexes);
        Assert.True(BpePreTokenizers.TryGet("llama4", out var llama4) && llama4.Regexes.SequenceEqual(BpePreTokenizers.Get("gpt-4o").Regexes));
    }

    [Fact]
    public void LoadSpec_UnknownPre_IsRefusedNamingIt()
    {
        using var dir = new TempDir();
        string path = WriteGguf(dir, w => ByteLevelVocab(w, "my-new-model"));
        var e = Assert.Throws<TokenizerException>(() => TokenizerLoader.LoadSpec(path));
        Assert.Contains("'my-new-model'", e.Message);
        Assert.Contains("tokenizer.ggml.pre", e.Message);
    }

    [Fact]
    public void LoadSpec_MissingPre_UsesDefaultAsLlamaCppDoes()
    {
        using var dir = new TempDir();
        string path = WriteGguf(dir, w => ByteLevelVocab(w, null));
        Assert.Equal("default", TokenizerLoader.LoadSpec(path).Pre);
    }

    [Fact]
    public void LoadSpec_GptTwoWithoutMerges_NamesTheMissingKey()
    {
        using var dir = new TempDir();
        string path = WriteGguf(dir, w =>
        {
            w.Add("tokenizer.ggml.model", "gpt2");
            w.Add("tokenizer.ggml.pre", "gpt-2");
            w.Add("tokenizer.ggml.tokens", new[] { "a" });
        });
        var e = Assert.Throws<TokenizerException>(() => TokenizerLoader.LoadSpec(path));
        Assert.Contains("tokenizer.ggml.merges", e.Message);
    }

    [Fact]
    public void Create_AddBosWithoutBosId_IsRefused()
    {
        var spec = new TokenizerSpec { Kind = TokenizerKind.SentencePieceBpe, Tokens = ["a"], AddBos = true };
        var e = Assert.Throws<TokenizerException>(() => Tokenizer.Create(spec));
        Assert.Contains("BOS", e.Message);
    }

    [Fact]
    public void Decode_IdOutsideVocabulary_NamesTheId()
    {
        var t = Tokenizer.Create(new TokenizerSpec { Kind = TokenizerKind.SentencePieceBpe, Tokens = ["a", "b"] });
        var e = Assert.Throws<TokenizerException>(() => t.Decode([0, 7]));
        Assert.Contains("7", e.Message);
    }

    [SkippableFact]
    public void LoadSpec_HfDirectory_ReadsConfigAndChatTemplate()
    {
        var spec = TokenizerLoader.LoadSpec(TestData.Require("hf-tokenizers/qwen3"));
        Assert.Equal("qwen2", spec.Pre);
        Assert.Equal(151645, spec.EosId);   // eos_token <|im_end|> in tokenizer_config.json
        Assert.False(spec.AddBos);
        Assert.Contains("<|im_start|>", spec.ChatTemplate);
        Assert.Equal(TokenType.Control, spec.TypeOf(151644));     // special added token
        Assert.Equal(TokenType.UserDefined, spec.TypeOf(151667)); // <think>, special = false
    }

    [SkippableFact]
    public void LoadSpec_Gguf_ReadsChatTemplate()
    {
        var spec = TokenizerLoader.LoadSpec(TestData.Require("vocab/ggml-vocab-phi-3.gguf"));
        Assert.StartsWith("{{ bos_token }}", spec.ChatTemplate);
        Assert.Equal(32000, spec.EosId);
    }
}
