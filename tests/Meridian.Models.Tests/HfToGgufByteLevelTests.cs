// HfToGguf with a byte-level BPE tokenizer.json (the demo model's kind, issue 5): a small GPT-2-style
// vocabulary built here next to the stories260K weights. llama.cpp must load the converted file,
// split text into the same ids as Meridian's tokenizer.json reader, and give the same logits.
using System.Text;
using System.Text.Json;
using LLama;
using LLama.Common;
using Meridian.Backends.Cpu;
using Meridian.Formats.Gguf;
using Meridian.Models.Conversion;
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;

namespace Meridian.Models.Tests;

public sealed class HfToGgufByteLevelTests
{
    // llama.cpp vs Meridian on F32 weights: summation order only (as in LlamaReferenceTests).
    private const float F32Tolerance = 1e-4f;

    // GPT-2's split regex (tokenizers ByteLevel use_regex) over ordinary text and a ChatML marker.
    private const string Text = "And God said, Let there be light: and there was light.\n<|im_start|>user\nthe 3 men's";

    private static readonly string[] Merges = ["Ġ t", "h e", "Ġt he", "i n", "a n", "Ġ a", "e r", "Ġa n", "Ġan d", "l i"];
    private static readonly string[] Specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

    [SkippableFact]
    public void ConvertByteLevelBpe_LlamaCppTokenizesAndComputesTheSame()
    {
        string weights = TestData.Require("stories260k/hf");
        using var temp = new TempDir();
        string hf = Directory.CreateDirectory(temp.File("hf")).FullName;
        foreach (string f in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(weights, f), Path.Combine(hf, f));
        WriteTokenizer(hf);
        string gguf = temp.File("bpe.gguf");
        HfToGguf.Convert(hf, gguf);

        using (var file = GgufFile.Open(gguf))
        {
            Assert.True(file.TryGetString("tokenizer.ggml.model", out string? model) && model == "gpt2");
            Assert.True(file.TryGetString("tokenizer.ggml.pre", out string? pre) && pre == "gpt-2", $"pre is '{pre}'");
            Assert.True(file.TryGetString("tokenizer.chat_template", out string? template) && template.Contains("im_start", StringComparison.Ordinal));
        }

        int[] fromJson = Meridian.Tokenizers.Tokenizer.Create(TokenizerLoader.LoadSpec(hf)).Encode(Text, parseSpecial: true);
        int[] fromGguf = Meridian.Tokenizers.Tokenizer.Create(TokenizerLoader.LoadSpec(gguf)).Encode(Text, parseSpecial: true);
        Assert.Equal(fromJson, fromGguf);
        Assert.Contains(257 + Merges.Length, fromJson); // <|im_start|> parsed as one special token

        var p = new ModelParams(gguf) { ContextSize = 128, GpuLayerCount = 0, Threads = 1, BatchThreads = 1 };
        using var llama = LLamaWeights.LoadFromFile(p);
        int[] fromLlamaCpp = llama.Tokenize(Text, false, true, Encoding.UTF8).Select(t => (int)t).ToArray();
        Assert.Equal(fromLlamaCpp, fromGguf);

        int[] prompt = fromGguf[..Math.Min(fromGguf.Length, 32)];
        float[] expected = LlamaCppLiveComparisonTests.LlamaCppLogits(gguf, prompt, 512);
        using var device = new CpuDevice(threads: 1);
        using var ours = ModelLoader.Load(gguf, device);
        using var state = new SequenceState(ours, capacity: 64);
        var actual = new float[prompt.Length * 512];
        state.Forward(prompt, 0, actual);
        LlamaReferenceTests.AssertClose(expected, actual, F32Tolerance, "llama.cpp vs Meridian on the converted byte-level GGUF");
    }

    // Vocabulary: the 256 byte tokens in GPT-2's byte-to-unicode alphabet, then the merged tokens,
    // then the specials; the remaining ids up to the model's 512 are padding.
    private static void WriteTokenizer(string dir)
    {
        char[] alphabet = Gpt2ByteAlphabet();
        var vocab = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++)
            vocab[alphabet[b].ToString()] = b;
        foreach (string m in Merges)
            vocab[m.Replace(" ", "", StringComparison.Ordinal)] = vocab.Count;
        var added = Specials.Select((s, i) => new { id = vocab.Count + i, content = s, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true });
        var json = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["added_tokens"] = added.ToArray(),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true },
            ["post_processor"] = null,
            ["decoder"] = new { type = "ByteLevel", add_prefix_space = true, trim_offsets = true, use_regex = true },
            ["model"] = new { type = "BPE", dropout = (object?)null, unk_token = (object?)null, fuse_unk = false, byte_fallback = false, vocab, merges = Merges },
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), JsonSerializer.Serialize(json));
        var config = new Dictionary<string, object>
        {
            ["eos_token"] = "<|im_end|>",
            ["add_bos_token"] = false,
            ["chat_template"] = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), JsonSerializer.Serialize(config));
    }

    // openai/gpt-2 encoder.py bytes_to_unicode: printable bytes map to themselves, the rest to 256+n.
    private static char[] Gpt2ByteAlphabet()
    {
        var map = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(256 + n++);
        }
        return map;
    }
}
