// Shared test helpers: tokenizers loaded once per test run (the big vocabularies take a moment), and the
// readers for llama.cpp's vocab test files (.inp strings joined by "\n__ggml_vocab_test__\n"; .out one
// line of space-separated ids per string) and raw int32 id files.
using System.Collections.Concurrent;
using Meridian.Models.Tokenizers;
using Meridian.Tests.Shared;
using Meridian.Tokenizers;

namespace Meridian.Tokenizers.Tests;

internal static class TestTokenizers
{
    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Loaded = new();

    /// <summary>The tokenizer at testdata-relative <paramref name="relative"/>, loaded once; skips when absent.</summary>
    public static Tokenizer Get(string relative)
    {
        string path = TestData.Require(relative);
        return Loaded.GetOrAdd(path, p => new Lazy<Tokenizer>(() => TokenizerLoader.Load(p))).Value;
    }

    /// <summary>The strings of a llama.cpp .inp file and the ids of its .out file, pairwise.</summary>
    public static (string[] Texts, int[][] Ids) ReadVocabTest(string inpPath, string outPath)
    {
        string[] texts = File.ReadAllText(inpPath).Split("\n__ggml_vocab_test__\n");
        // The file ends with a separator: the last element is the empty remainder, not a test string.
        Assert.Equal("", texts[^1]);
        texts = texts[..^1];
        string[] lines = File.ReadAllText(outPath).Split('\n');
        Assert.Equal("", lines[^1]);
        lines = lines[..^1];
        Assert.Equal(texts.Length, lines.Length);
        var ids = lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray()).ToArray();
        return (texts, ids);
    }

    /// <summary>Raw little-endian int32 ids.</summary>
    public static int[] ReadInt32(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var ids = new int[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, ids, 0, ids.Length * 4);
        return ids;
    }
}
