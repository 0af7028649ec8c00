// torchtune's tokenizer test vectors (testdata/hf-tokenizers/torchtune/expected_vectors.json): the
// Qwen2-style tiny byte-level BPE tokenizer.json on a ChatML prompt with special tokens parsed.
using System.Text.Json;
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;

namespace Meridian.Tokenizers.Tests;

public class TorchtuneVectorsTests
{
    [SkippableFact]
    public void Encode_TinyBpeChatMl_MatchesTorchtuneIds()
    {
        var tokenizer = TokenizerLoader.Load(TestData.Require("hf-tokenizers/torchtune/tiny_bpe_tokenizer.json"));
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.Require("hf-tokenizers/torchtune/expected_vectors.json")));
        var cases = doc.RootElement.GetProperty("tiny_bpe (qwen2-style byte-level BPE)").GetProperty("cases");
        foreach (var c in cases.EnumerateArray())
        {
            string text = c.GetProperty("text").GetString()!;
            int[] expected = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();

            Assert.Equal(expected, tokenizer.Encode(text, parseSpecial: true));
            Assert.Equal(text, tokenizer.Decode(expected));
        }
    }
}
