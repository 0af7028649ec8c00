// The string-text slice against the plain walk it replaces, and the walk against each token fed on its own: along
// random constrained walks over a JSON schema with free strings, strings with length limits (below and past how far a
// run is followed) and patterned strings, with a vocabulary of ASCII, multi-byte characters, partial UTF-8, long text
// and quote-bearing tokens, TokenVocabulary.Mask (slice + walk of the rest where it applies) gives exactly the bits of
// a walk of every token, which gives exactly the tokens the matcher accepts one by one, and the slice does apply
// inside the free strings.
using System.Text;
using System.Text.Json;
using Meridian.Grammar.Json;
using Meridian.Grammar.Matching;

namespace Meridian.Grammar.Tests;

public sealed class TokenVocabularyTests
{
    [Fact]
    public void SliceMask_EqualsTheFullWalk_AndAppliesInsideFreeStrings()
    {
        using var doc = JsonDocument.Parse("""
            {"type":"object","properties":{"title":{"type":"string","maxLength":40},"free":{"type":"string"},"name":{"type":"string","minLength":5},
             "code":{"type":"string","minLength":2,"maxLength":30},"short":{"type":"string","maxLength":3},
             "zip":{"type":"string","pattern":"^[0-9]{5}$"},"list":{"type":"array","items":{"type":"string"}}},
             "required":["title","free","name","code","short","zip","list"],"additionalProperties":false}
            """);
        var grammar = JsonSchemaCompiler.Compile(doc.RootElement);
        var lexer = new LexerStates(grammar);
        var vocab = Vocabulary();
        var tokens = Enumerable.Range(0, vocab.VocabSize).ToArray();
        Assert.InRange(vocab.SliceCount, 50, vocab.VocabSize - 10); // most tokens are text; quotes, escapes, newlines and partial UTF-8 are not
        int sliced = 0;
        for (int seed = 0; seed < 12; seed++)
        {
            var rng = new Random(seed);
            var m = new GrammarMatcher(grammar, lexer);
            for (int step = 0; step < 150; step++)
            {
                var fast = new ulong[(vocab.VocabSize + 63) / 64];
                var full = new ulong[fast.Length];
                if (m.InSliceLoop())
                    sliced++;
                vocab.Mask(m, fast);
                vocab.All.Walk(m, full);
                Assert.Equal(full, fast);
                // The walk (which follows the lexer alone inside a lexeme) against each token fed on its own.
                var one = new ulong[fast.Length];
                foreach (int id in tokens)
                {
                    var at = m.Position;
                    if (vocab.BytesOf(id).Length > 0 && m.TryBytes(vocab.BytesOf(id)))
                    {
                        one[id >> 6] |= 1UL << (id & 63);
                        m.Reset(at);
                    }
                }
                Assert.Equal(one, full);
                var allowed = tokens.Where(id => (full[id >> 6] & (1UL << (id & 63))) != 0).ToList();
                if (allowed.Count == 0 || (m.CanEnd() && rng.Next(3) == 0))
                    break;
                Assert.True(m.TryBytes(vocab.BytesOf(allowed[rng.Next(allowed.Count)])));
            }
        }
        Assert.True(sliced > 20, $"the slice applied at only {sliced} steps");
    }

    [Theory]
    [InlineData("abc", true)]
    [InlineData("é中😀", true)]
    [InlineData("a\"", false)]
    [InlineData("\\n", false)]
    [InlineData("\n", false)]
    [InlineData("", false)]
    public void IsStringText(string text, bool expected) => Assert.Equal(expected, TokenVocabulary.IsStringText(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void IsStringText_PartialUtf8_IsNot() => Assert.False(TokenVocabulary.IsStringText([0xE4, 0xB8]));

    private static TokenVocabulary Vocabulary()
    {
        var rng = new Random(4);
        var pieces = new List<byte[]>();
        foreach (char c in "{}[]:,\" \n\\abcdefghijklmnopqrstuvwxyz0123456789-.E+")
            pieces.Add([(byte)c]);
        foreach (string s in new[] { "é", "中", "😀", "\"free\"", "\"short\"", "\"zip\"", "\"list\"", "\"title\"", "\"name\"", "\"code\"", "\":", "\",", "\"}", " \"", "\\n", "\\u00e9" })
            pieces.Add(Encoding.UTF8.GetBytes(s));
        pieces.Add([0xE4]); // the first two bytes of 中 (E4 B8 AD), as byte-level vocabularies have
        pieces.Add([0xB8, 0xAD]);
        string[] words = ["the", " cat", "12", "345", "ab", "é", "中", " ", "x"];
        while (pieces.Count < 400)
        {
            var sb = new StringBuilder();
            int n = rng.Next(1, 4);
            for (int i = 0; i < n; i++)
                sb.Append(words[rng.Next(words.Length)]);
            pieces.Add(Encoding.UTF8.GetBytes(sb.ToString()));
        }
        // Long text tokens (17 to 40 characters), past how far a length-limited string's run is followed.
        for (int i = 0; i < 40; i++)
        {
            var sb = new StringBuilder();
            while (sb.Length < 17 + (i % 24))
                sb.Append(words[rng.Next(words.Length)]);
            pieces.Add(Encoding.UTF8.GetBytes(sb.ToString()));
        }
        var distinct = pieces.DistinctBy(Convert.ToHexString).ToArray();
        return new TokenVocabulary(distinct.Length, id => distinct[id]);
    }
}
