// The JSON grammar through the matcher (lexer DFA + Earley parser) against System.Text.Json's Utf8JsonReader, an
// independent JSON implementation: fed a partial buffer (isFinalBlock: false) it fails exactly when the bytes can no
// longer start a JSON text, and fed the whole (isFinalBlock: true) it succeeds exactly when they are one. Then the
// token mask of a trie walk against feeding every token of a vocabulary one by one, and random constrained walks whose
// every output parses.
using System.Text;
using System.Text.Json;
using Meridian.Grammar.Json;
using Meridian.Grammar.Matching;

namespace Meridian.Grammar.Tests;

public sealed class JsonMatcherTests
{
    private static readonly string[] Pieces =
    [
        "{", "}", "[", "]", ":", ",", " ", "\n", "\"", "\\", "\\n", "\\u00e9", "\\x", "a", "é", "1", "0", "-", ".", "e", "+",
        "true", "false", "null", "tru", "nul", "x", "\"k\"", "12", "0.5", "1e5", "\t", "\n  ", "\\ud83d\\ude00",
    ];

    [Fact]
    public void Prefixes_AgreeWithUtf8JsonReader()
    {
        var grammar = JsonGrammar.Build(objectOnly: false);
        var lexer = new LexerStates(grammar);
        var rng = new Random(3);
        int viable = 0, complete = 0;
        for (int n = 0; n < 20_000; n++)
        {
            var sb = new StringBuilder();
            int parts = rng.Next(1, 10);
            for (int p = 0; p < parts; p++)
                sb.Append(Pieces[rng.Next(Pieces.Length)]);
            byte[] bytes = Encoding.UTF8.GetBytes(sb.ToString());
            var matcher = new GrammarMatcher(grammar, lexer);
            bool ours = matcher.TryBytes(bytes);
            bool theirs = ReaderAcceptsPrefix(bytes);
            Assert.True(ours == theirs, $"prefix {sb}: matcher {ours}, Utf8JsonReader {theirs}");
            if (!ours)
                continue;
            viable++;
            bool end = matcher.CanEnd();
            bool whole = ReaderAcceptsWhole(bytes);
            Assert.True(end == whole, $"whole {sb}: matcher CanEnd {end}, Utf8JsonReader {whole}");
            if (end)
                complete++;
        }
        Assert.True(viable > 1500 && complete > 500, $"only {viable} viable prefixes, {complete} complete texts: the generator is too narrow");
    }

    [Fact]
    public void TrieWalkMask_EqualsFeedingEveryTokenAlone()
    {
        var grammar = JsonGrammar.Build(objectOnly: true);
        var lexer = new LexerStates(grammar);
        var vocab = ToyVocabulary(3000, seed: 7);
        var trie = new TokenTrie(vocab.Length, i => vocab[i]);
        var matcher = new GrammarMatcher(grammar, lexer);
        var rng = new Random(8);
        var mask = new ulong[(vocab.Length + 63) / 64];
        var output = new List<byte>();
        for (int step = 0; step < 200; step++)
        {
            Array.Clear(mask);
            trie.Walk(matcher, mask);
            var allowed = new List<int>();
            for (int id = 0; id < vocab.Length; id++)
            {
                bool inMask = (mask[id >> 6] & (1UL << (id & 63))) != 0;
                var p = matcher.Position;
                bool alone = matcher.TryBytes(vocab[id]);
                matcher.Reset(p);
                Assert.True(inMask == alone, $"step {step}, token {id} ({Encoding.UTF8.GetString(vocab[id])}): mask {inMask}, fed alone {alone}");
                if (alone)
                    allowed.Add(id);
            }
            if (allowed.Count == 0 || (matcher.CanEnd() && rng.Next(4) == 0))
                break;
            int pick = allowed[rng.Next(allowed.Count)];
            Assert.True(matcher.TryBytes(vocab[pick]));
            output.AddRange(vocab[pick]);
        }
    }

    [Fact]
    public void RandomConstrainedWalks_EndInJsonObjects()
    {
        var grammar = JsonGrammar.Build(objectOnly: true);
        var lexer = new LexerStates(grammar);
        var vocab = ToyVocabulary(2000, seed: 9);
        var trie = new TokenTrie(vocab.Length, i => vocab[i]);
        var mask = new ulong[(vocab.Length + 63) / 64];
        int finished = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            var rng = new Random(seed);
            var matcher = new GrammarMatcher(grammar, lexer);
            var output = new List<byte>();
            for (int step = 0; step < 400; step++)
            {
                if (matcher.CanEnd() && (rng.Next(3) == 0 || step > 300))
                {
                    using var doc = JsonDocument.Parse(output.ToArray());
                    Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
                    finished++;
                    break;
                }
                Array.Clear(mask);
                trie.Walk(matcher, mask);
                var allowed = Enumerable.Range(0, vocab.Length).Where(id => (mask[id >> 6] & (1UL << (id & 63))) != 0).ToList();
                if (allowed.Count == 0 && matcher.CanEnd())
                {
                    using var whole = JsonDocument.Parse(output.ToArray()); // complete, and nothing may follow
                    finished++;
                    break;
                }
                Assert.NotEmpty(allowed); // never a dead end: every viable prefix can continue or end
                int pick = allowed[rng.Next(allowed.Count)];
                Assert.True(matcher.TryBytes(vocab[pick]));
                output.AddRange(vocab[pick]);
            }
        }
        Assert.True(finished >= 10, $"only {finished} of 40 walks reached a complete object");
    }

    // Single bytes of JSON's alphabet (so every text stays reachable) plus random strings of pieces.
    private static byte[][] ToyVocabulary(int size, int seed)
    {
        var rng = new Random(seed);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (char c in "{}[]:,\" \n\\abcdeflnrstuxyz0123456789-.+E")
            set.Add(c.ToString());
        set.Add("é");
        while (set.Count < size)
        {
            var sb = new StringBuilder();
            int parts = rng.Next(1, 4);
            for (int p = 0; p < parts; p++)
                sb.Append(Pieces[rng.Next(Pieces.Length)]);
            set.Add(sb.ToString());
        }
        return set.Order(StringComparer.Ordinal).Select(Encoding.UTF8.GetBytes).ToArray();
    }

    private static bool ReaderAcceptsPrefix(byte[] bytes)
    {
        if (!ReaderRuns(bytes, isFinalBlock: false))
            return false;
        // Utf8JsonReader allows any whitespace; the grammar allows one space, or a newline and MaxIndent spaces or
        // tabs, between two tokens (whitespace inside strings is not whitespace).
        return WhitespaceRunsAllowed(bytes);
    }

    private static bool ReaderAcceptsWhole(byte[] bytes) => ReaderRuns(bytes, isFinalBlock: true) && bytes.Any(b => b is not (0x20 or 0x0A or 0x0D or 0x09));

    private static bool ReaderRuns(byte[] bytes, bool isFinalBlock)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, isFinalBlock, default);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.String || reader.TokenType == JsonTokenType.PropertyName)
                    reader.GetString(); // validates escapes and UTF-8
            }
            return !isFinalBlock || reader.BytesConsumed == bytes.Length;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    // Every run of whitespace outside strings is " ", or "\n" then at most MaxIndent spaces or tabs (a run still open
    // at the end only needs to be a prefix of one).
    private static bool WhitespaceRunsAllowed(byte[] bytes)
    {
        bool inString = false, escaped = false;
        var run = new List<byte>();
        foreach (byte b in bytes.Append((byte)'x'))
        {
            if (inString)
            {
                if (escaped)
                    escaped = false;
                else if (b == '\\')
                    escaped = true;
                else if (b == '"')
                    inString = false;
                continue;
            }
            if (b is 0x20 or 0x0A or 0x0D or 0x09)
            {
                run.Add(b);
                continue;
            }
            if (run.Count > 0 && !(run is [0x20] || (run[0] == 0x0A && run.Count <= JsonGrammar.MaxIndent + 1 && run.Skip(1).All(c => c is 0x20 or 0x09))))
                return false;
            run.Clear();
            if (b == '"')
                inString = true;
        }
        return true;
    }
}
