// Reads vocab, merges, split regex and added tokens from a Hugging Face tokenizer.json and builds the
// Microsoft.ML.Tokenizers BpeOptions for the same byte-level BPE. Known gaps of the peer, not fixed here:
// it has no "ignore_merges" (Llama 3 whole-word lookups) and this builds no NFC normalizer (ours applies
// none either; War and Peace is already NFC, so only Hugging Face pays for that step).
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Meridian.Bench.Tokenize;

internal static class MlTokenizersOptions
{
    /// <summary>What ML.Tokenizers needs, parsed once so a fresh tokenizer per cold rep costs no JSON parse.</summary>
    public sealed record Parsed(
        IReadOnlyList<KeyValuePair<string, int>> Vocab,
        IReadOnlyList<string> Merges,
        string SplitPattern,
        IReadOnlyDictionary<string, int> AddedTokens)
    {
        public BpeTokenizer Create()
        {
            var pre = new RegexPreTokenizer(new Regex(SplitPattern, RegexOptions.Compiled), AddedTokens);
            return BpeTokenizer.Create(new BpeOptions(Vocab)
            {
                Merges = Merges,
                ByteLevel = true,
                PreTokenizer = pre,
                SpecialTokens = AddedTokens,
            });
        }
    }

    public static Parsed Read(string tokenizerJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
        var root = doc.RootElement;
        var model = root.GetProperty("model");
        string type = model.GetProperty("type").GetString() ?? "";
        if (type != "BPE")
            throw new InvalidDataException($"{tokenizerJsonPath}: model.type is '{type}', the ML.Tokenizers peer here handles BPE only");

        var vocab = new List<KeyValuePair<string, int>>();
        foreach (var p in model.GetProperty("vocab").EnumerateObject())
            vocab.Add(new(p.Name, p.Value.GetInt32()));

        // Merges come as "a b" strings (older files) or ["a", "b"] pairs (newer); BpeOptions takes "a b".
        var merges = new List<string>();
        foreach (var m in model.GetProperty("merges").EnumerateArray())
            merges.Add(m.ValueKind == JsonValueKind.String ? m.GetString()! : $"{m[0].GetString()} {m[1].GetString()}");

        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("added_tokens", out var addedTokens))
            foreach (var t in addedTokens.EnumerateArray())
                added[t.GetProperty("content").GetString()!] = t.GetProperty("id").GetInt32();

        string pattern = FindSplitPattern(root.GetProperty("pre_tokenizer"))
            ?? throw new InvalidDataException($"{tokenizerJsonPath}: no Split pre-tokenizer with a Regex pattern");
        return new Parsed(vocab, merges, pattern, added);
    }

    private static string? FindSplitPattern(JsonElement pre)
    {
        if (pre.ValueKind != JsonValueKind.Object)
            return null;
        string? type = pre.GetProperty("type").GetString();
        if (type == "Split" && pre.GetProperty("pattern").TryGetProperty("Regex", out var regex))
            return regex.GetString();
        if (type == "Sequence")
            foreach (var inner in pre.GetProperty("pretokenizers").EnumerateArray())
                if (FindSplitPattern(inner) is { } found)
                    return found;
        return null;
    }
}
