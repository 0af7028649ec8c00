// The generic collapsed-regex pre-tokenizer step (used for the presets without a hand-written splitter)
// against the hand-written GPT-2 / Llama 3 / Qwen2 splitters, which the llama.cpp vectors pin down: given
// the same patterns both must cut the vocab test strings and War and Peace into the same words.
using Meridian.Tests.Shared;
using Meridian.Tokenizers.PreTokenization;

namespace Meridian.Tokenizers.Tests;

public class RegexSplitStepTests
{
    [SkippableTheory]
    [InlineData(Gpt2Splitter.Pattern)]
    [InlineData(Llama3Splitter.Pattern)]
    [InlineData(Llama3Splitter.Qwen2Pattern)]
    [InlineData(Llama3Splitter.HfPattern)]
    public void SplitAll_KnownPattern_CutsLikeTheHandWrittenSplitter(string pattern)
    {
        string inp = TestData.Require("vocab/ggml-vocab-qwen2.gguf.inp");
        var (texts, _) = TestTokenizers.ReadVocabTest(inp, inp[..^4] + ".out");
        string warAndPeace = File.ReadAllText(TestData.Require("corpus/war-and-peace.txt"));
        var handWritten = PreTokenizer.Create([pattern]);
        var generic = RegexSplitStep.For(pattern);

        foreach (string text in texts.Append("\U0001D400bc 12345 x\u00A0\u00A0y \u0301a").Append(warAndPeace[..200_000]))
        {
            var expected = new List<Segment>();
            handWritten.Split(text, expected, []);
            var actual = new List<Segment>();
            generic.SplitAll(text, [new Segment(0, text.Length)], actual);
            Assert.Equal(expected, actual);
        }
    }
}
