// Reads llama.cpp's vocab test vectors: `.inp` holds strings joined by "\n__ggml_vocab_test__\n"
// (with a trailing separator), `.out` one line per string of space-separated ids, each with a leading space.
namespace Meridian.Cli.Tests.Tokenize;

internal static class VocabTestFile
{
    private const string Separator = "\n__ggml_vocab_test__\n";

    /// <summary>The strings and, pairwise, the ids as llama.cpp's .out line writes them (no leading space).</summary>
    public static (string[] Texts, string[] Ids) Read(string inpPath, string outPath)
    {
        string[] texts = File.ReadAllText(inpPath).Split(Separator);
        // The file ends with a separator: the last element is the empty remainder, not a test string.
        Assert.Equal("", texts[^1]);
        texts = texts[..^1];
        string[] lines = File.ReadAllText(outPath).Split('\n');
        Assert.Equal("", lines[^1]);
        lines = lines[..^1];
        Assert.Equal(texts.Length, lines.Length);
        // test-tokenizer-0 writes " <id>" per token, so a non-empty line starts with one space.
        var ids = lines.Select(l => l.Length == 0 ? l : l.StartsWith(' ') ? l[1..] : throw new InvalidDataException($"{outPath}: line '{l}' lacks the leading space")).ToArray();
        return (texts, ids);
    }
}
