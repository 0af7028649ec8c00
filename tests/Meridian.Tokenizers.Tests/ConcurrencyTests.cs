// One tokenizer used from many threads at once (the server's case) gives the ids a single thread gives;
// the word caches and per-thread scratch buffers must not leak state between calls.
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;

namespace Meridian.Tokenizers.Tests;

public class ConcurrencyTests
{
    [SkippableTheory]
    [InlineData("vocab/ggml-vocab-llama-spm.gguf")]
    [InlineData("vocab/ggml-vocab-qwen2.gguf")]
    public void Encode_ManyThreadsAtOnce_GiveTheIdsOfOneThread(string path)
    {
        string text = File.ReadAllText(TestData.Require("corpus/war-and-peace.txt"))[..400_000];
        string[] chunks = Enumerable.Range(0, 64).Select(i => text.Substring(i * 6000, 6000)).ToArray();
        var reference = TestTokenizers.Get(path);
        int[][] expected = chunks.Select(c => reference.Encode(c)).ToArray();

        var fresh = TokenizerLoader.Load(TestData.Require(path)); // empty caches, filled concurrently
        var actual = new int[chunks.Length][];
        Parallel.For(0, chunks.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => actual[i] = fresh.Encode(chunks[i]));

        for (int i = 0; i < chunks.Length; i++)
            Assert.Equal(expected[i], actual[i]);
    }
}
