// llama.cpp's tokenizer (llama_tokenize / llama_token_to_piece through LLamaSharp) as the independent
// reference for `meridian tokenize`. Vocab-only loads, kept for the test run.
using System.Collections.Concurrent;
using System.Text;
using LLama;
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Tokenize;

internal static class LlamaCppTokenizer
{
    private static readonly ConcurrentDictionary<string, Lazy<LLamaWeights>> Loaded = new();

    public static LLamaWeights Get(string path) =>
        Loaded.GetOrAdd(path, p => new Lazy<LLamaWeights>(() => LlamaCppReference.Load(p, vocabOnly: true))).Value;

    /// <summary>llama_tokenize: <paramref name="addSpecial"/> adds BOS/EOS as the file's flags say; <paramref name="parseSpecial"/> matches control tokens.</summary>
    public static int[] Tokenize(string path, string text, bool addSpecial, bool parseSpecial) =>
        Get(path).NativeHandle.Tokenize(text, addSpecial, parseSpecial, Encoding.UTF8).Select(t => (int)t).ToArray();

    /// <summary>llama_token_to_piece with special = true and no lstrip, as UTF-8 text.</summary>
    public static string Piece(string path, int id)
    {
        Span<byte> buffer = stackalloc byte[256];
        int n = (int)Get(path).NativeHandle.TokenToSpan(id, buffer, 0, true);
        Assert.True(n <= buffer.Length, $"piece of token {id} is {n} bytes");
        return Encoding.UTF8.GetString(buffer[..n]);
    }
}
