// Special tokens written in text: control tokens become their ids only with parseSpecial, user-defined
// tokens always (llama.cpp tokenizer_st_partition, Hugging Face added tokens); BOS/EOS follow the file's flags.
namespace Meridian.Tokenizers.Tests;

public class SpecialTokenTests
{
    private const int ImStart = 151644, ImEnd = 151645, Think = 151667; // Qwen's tokenizer_config / GGUF token list

    [SkippableFact]
    public void Encode_QwenImStartWithParseSpecial_IsOneId()
    {
        var qwen = TestTokenizers.Get("vocab/ggml-vocab-qwen2.gguf");
        int[] ids = qwen.Encode("<|im_start|>user\nhi<|im_end|>", parseSpecial: true);

        Assert.Equal(ImStart, ids[0]);
        Assert.Equal(ImEnd, ids[^1]);
        Assert.Equal(qwen.Encode("user\nhi"), ids[1..^1]);
    }

    [SkippableFact]
    public void Encode_QwenImStartWithoutParseSpecial_IsPlainText()
    {
        var qwen = TestTokenizers.Get("vocab/ggml-vocab-qwen2.gguf");
        int[] ids = qwen.Encode("<|im_start|>user");

        Assert.DoesNotContain(ImStart, ids);
        Assert.True(ids.Length > 2, $"expected several text tokens, got [{string.Join(' ', ids)}]");
        Assert.Equal("<|im_start|>user", qwen.Decode(ids));
    }

    [SkippableFact]
    public void Encode_QwenUserDefinedThink_IsOneIdEvenWithoutParseSpecial()
    {
        // <think> is an added token with special = false: user-defined in the GGUF, matched whatever parseSpecial says.
        var qwen = TestTokenizers.Get("vocab/ggml-vocab-qwen2.gguf");
        Assert.Equal(Think, qwen.Encode("<think>")[0]);
        Assert.Single(qwen.Encode("<think>"));
    }

    [SkippableTheory]
    [InlineData("vocab/ggml-vocab-qwen2.gguf")]
    [InlineData("hf-tokenizers/qwen3/tokenizer.json")]
    public void Qwen_EndOfGeneration_IncludesImEndAndEndOfText(string path)
    {
        var qwen = TestTokenizers.Get(path);
        Assert.True(qwen.IsEndOfGeneration(ImEnd));
        Assert.True(qwen.IsEndOfGeneration(151643)); // <|endoftext|>
        Assert.False(qwen.IsEndOfGeneration(ImStart));
        Assert.Equal(ImEnd, qwen.EosId);
    }

    [SkippableFact]
    public void Encode_LlamaSpmBosTextWithParseSpecial_IsBosAndRestartsTheSpacePrefix()
    {
        // After a special token SentencePiece adds its space prefix again (llama.cpp is_prev_special).
        var llama = TestTokenizers.Get("vocab/ggml-vocab-llama-spm.gguf");
        int[] withSpecial = llama.Encode("<s>Hello", parseSpecial: true);
        Assert.Equal(1, withSpecial[0]);
        Assert.Equal(llama.Encode("Hello"), withSpecial[1..]);
        Assert.DoesNotContain(1, llama.Encode("<s>Hello"));
    }

    [SkippableFact]
    public void Encode_Phi3ControlToken_SwallowsWhitespaceAfterIt()
    {
        // llama.cpp marks Phi-3's special tokens rstrip (by general.name), so "\n" after <|user|> disappears.
        var phi3 = TestTokenizers.Get("vocab/ggml-vocab-phi-3.gguf");
        Assert.Equal(phi3.Encode("<|user|>hello", parseSpecial: true), phi3.Encode("<|user|>\n hello", parseSpecial: true));
        Assert.Equal(32010, phi3.Encode("<|user|>hello", parseSpecial: true)[0]);
    }

    [SkippableFact]
    public void Encode_AddSpecial_FollowsTheFileFlags()
    {
        var llama3 = TestTokenizers.Get("vocab/ggml-vocab-llama-bpe.gguf"); // add_bos_token true
        var qwen = TestTokenizers.Get("vocab/ggml-vocab-qwen2.gguf");      // add_bos_token false
        Assert.Equal(128000, llama3.Encode("hi", addSpecial: true)[0]);
        Assert.Equal(qwen.Encode("hi"), qwen.Encode("hi", addSpecial: true));
    }

    [SkippableFact]
    public void Decode_SkipSpecial_DropsControlTokensOnly()
    {
        var qwen = TestTokenizers.Get("vocab/ggml-vocab-qwen2.gguf");
        int[] ids = qwen.Encode("<|im_start|>user\n<think>hi<|im_end|>", parseSpecial: true);
        Assert.Equal("<|im_start|>user\n<think>hi<|im_end|>", qwen.Decode(ids));
        Assert.Equal("user\n<think>hi", qwen.Decode(ids, skipSpecial: true));
    }
}
