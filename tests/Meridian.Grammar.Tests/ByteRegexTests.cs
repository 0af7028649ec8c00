// The lazy byte-level DFA against .NET's own regex engine (an independent implementation) on the same patterns and
// thousands of strings each, in .NET's ECMAScript mode (ASCII \w \d \s) and over an alphabet where the two agree (no
// \r, which ECMA's '.' excludes and .NET's does not; no characters outside the BMP, which .NET sees as two UTF-16
// units; no Unicode spaces, which ECMA's \s has and .NET's ECMAScript mode has not); then what only
// ECMA-262 semantics decide, by hand; then every refusal names its construct.
using System.Text;
using Meridian.Grammar.Regex;
using DotNetRegex = System.Text.RegularExpressions.Regex;

namespace Meridian.Grammar.Tests;

public sealed class ByteRegexTests
{
    private const string Alphabet = "abcxyzABZ019 -_.@()\né中ÿ";

    public static TheoryData<string> Patterns => new()
    {
        "[a-z]+", @"\d{3}-\d{4}", @"(\([0-9]{3}\))?[0-9]{3}-[0-9]{4}", "[A-Z][a-z]*( [A-Z][a-z]*)*", "(ab|cd)*e?",
        "a{2,5}b{0,3}", "[^abc]+", @"\w+@\w+\.com", ".*x.*", "(?:a|b)+?c", @"[\d\s]*", "é+中?", "[à-ÿ]+", "x{3}",
        "colou?r", @"(\w+\s?){1,3}", "", "a|", "(|a)b", "[.]", @"\.", "[a-c-]+", @"[\]a]", "a{2,}", @"\(+\)*",
        "(?<name>ab)+", @"[^\d\s]{0,4}", @"\W", "(a(b(c)?)?)?", "[中é]{2}",
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Anchored_AgreesWithDotNetRegex(string pattern)
    {
        var dfa = ByteRegex.Compile(pattern, anchored: true);
        var oracle = new DotNetRegex($"^(?:{pattern})\\z", System.Text.RegularExpressions.RegexOptions.ECMAScript);
        foreach (string s in Strings(pattern))
            Assert.True(dfa.IsMatch(s) == oracle.IsMatch(s), $"/{pattern}/ on \"{s}\": ours {dfa.IsMatch(s)}, .NET {oracle.IsMatch(s)}");
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Unanchored_MatchesAnywhere_AsDotNetRegexDoes(string pattern)
    {
        var dfa = ByteRegex.Compile(pattern, anchored: false);
        var oracle = new DotNetRegex(pattern, System.Text.RegularExpressions.RegexOptions.ECMAScript);
        foreach (string s in Strings(pattern))
            Assert.True(dfa.IsMatch(s) == oracle.IsMatch(s), $"/{pattern}/ unanchored on \"{s}\": ours {dfa.IsMatch(s)}, .NET {oracle.IsMatch(s)}");
    }

    // Anchors on top-level alternatives, as ECMA-262 reads them ("^a|b$" is (^a)|(b$)); the .NET oracle spells the
    // end anchor \z, since its $ also matches before a final newline.
    [Theory]
    [InlineData("^a|b$", @"^a|b\z")]
    [InlineData(@"v?\d+(\.\d+){0,3}|^dev-", @"v?\d+(\.\d+){0,3}|^dev-")]
    [InlineData("^x|^y|z", "^x|^y|z")]
    [InlineData("ab$|^cd", @"ab\z|^cd")]
    [InlineData("^(a|b)$", @"^(a|b)\z")]
    [InlineData(@"a\$|^b", @"a\$|^b")]
    public void TopLevelAlternativeAnchors_Unanchored_AgreeWithDotNetRegex(string pattern, string oraclePattern)
    {
        var dfa = ByteRegex.Compile(pattern, anchored: false);
        var oracle = new DotNetRegex(oraclePattern, System.Text.RegularExpressions.RegexOptions.ECMAScript);
        // Strings over the pattern's own characters (and a newline), every one up to 4 long, then random ones.
        string chars = new([.. (pattern + "ab1.\n").Where(c => c is not ('^' or '$' or '|' or '(' or ')' or '\\' or '{' or '}' or '?' or '+')).Distinct()]);
        var strings = new List<string> { "" };
        for (int len = 1; len <= 4; len++)
            strings.AddRange(strings.Where(x => x.Length == len - 1).SelectMany(x => chars.Select(c => x + c)).ToList());
        var rng = new Random(7);
        for (int i = 0; i < 2000; i++)
            strings.Add(new string([.. Enumerable.Range(0, rng.Next(5, 12)).Select(_ => chars[rng.Next(chars.Length)])]));
        foreach (string s in strings)
            Assert.True(dfa.IsMatch(s) == oracle.IsMatch(s), $"/{pattern}/ unanchored on \"{s}\": ours {dfa.IsMatch(s)}, .NET {oracle.IsMatch(s)}");
    }

    [Fact]
    public void Ecma262Semantics_WhereDotNetDiffers()
    {
        // '.' excludes every ECMA-262 line terminator; \s includes the Unicode spaces; a character outside the BMP is one.
        var dot = ByteRegex.Compile(".");
        Assert.False(dot.IsMatch("\r"));
        Assert.False(dot.IsMatch("\u2028"));
        Assert.True(dot.IsMatch("😀"));
        Assert.True(ByteRegex.Compile(@"\s").IsMatch("\u3000"));
        Assert.False(ByteRegex.Compile(@"\S").IsMatch("\u00A0"));
        Assert.True(ByteRegex.Compile(@"\uD83D\uDE00").IsMatch("😀"));
        Assert.True(ByteRegex.Compile(@"\u{1F600}{2}").IsMatch("😀😀"));
        Assert.True(ByteRegex.Compile("[^]").IsMatch("\n"));
        Assert.False(ByteRegex.Compile("[]").IsMatch(""));
        // A leading ^ and trailing $ mean what anchored means, unanchored or not.
        Assert.False(ByteRegex.Compile("^ab$", anchored: false).IsMatch("xab"));
        Assert.True(ByteRegex.Compile("^ab", anchored: false).IsMatch("abx"));
        Assert.True(ByteRegex.Compile(@"a\$", anchored: true).IsMatch("a$"));
    }

    [Fact]
    public void EveryScalarValue_AndNothingElse_IsOneCharacter()
    {
        // Exhaustive over the code space: the UTF-8 lowering of "any character" accepts every scalar's encoding,
        // and rejects surrogates (ED A0 80), overlong forms (C0 80, E0 80 80) and bytes past U+10FFFF (F4 90 80 80).
        var any = ByteRegex.Compile("[^]");
        Span<byte> buf = stackalloc byte[4];
        for (int c = 0; c <= 0x10FFFF; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF)
                continue;
            int n = new Rune(c).EncodeToUtf8(buf);
            Assert.True(any.IsMatch(buf[..n]), $"U+{c:X4}");
        }
        foreach (byte[] bad in new[] { new byte[] { 0xED, 0xA0, 0x80 }, [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xFF] })
            Assert.False(any.IsMatch(bad), Convert.ToHexString(bad));
    }

    [Fact]
    public void LargeCountedRepetition_IsBuiltLazily()
    {
        var r = ByteRegex.Compile("[a-z]{0,100000}");
        Assert.True(r.IsMatch(new string('q', 1000)));
        Assert.True(r.StateCount < 1100, $"{r.StateCount} states for 1000 bytes");
        Assert.False(ByteRegex.Compile("a{3,5}").IsMatch("aaaaaa"));
    }

    [Theory]
    [InlineData("(?=a)b", "lookaround")]
    [InlineData("(?<!a)b", "lookaround")]
    [InlineData(@"(a)\1", "backreference")]
    [InlineData(@"\bword", "word boundary")]
    [InlineData("a^b", "anchor '^'")]
    [InlineData("a$b", "anchor '$'")]
    [InlineData(@"\p{L}+", "Unicode property escape")]
    [InlineData("a{100001}", "above the 100000")]
    [InlineData("a{2,999999999}", "above the 100000")]
    [InlineData("(ab", "unclosed '('")]
    [InlineData("ab)", "unmatched ')'")]
    [InlineData("[z-a]", "out of order")]
    [InlineData("*a", "nothing to repeat")]
    [InlineData(@"\ud800", "lone surrogate")]
    [InlineData(@"\q", "unknown escape")]
    public void UnsupportedOrMalformed_IsRefusedNamingTheConstruct(string pattern, string named)
    {
        var e = Assert.Throws<GrammarException>(() => ByteRegex.Compile(pattern));
        Assert.Contains(named, e.Message);
        Assert.Contains(pattern, e.Message);
    }

    // Every string up to length 3 over the alphabet, then random ones up to length 12 (seeded per pattern).
    private static IEnumerable<string> Strings(string pattern)
    {
        var small = new List<string> { "" };
        for (int len = 1; len <= 3; len++)
            small = [.. small, .. small.Where(s => s.Length == len - 1).SelectMany(s => Alphabet.Select(c => s + c))];
        foreach (string s in small)
            yield return s;
        var rng = new Random(pattern.GetHashCode(StringComparison.Ordinal) ^ 12345);
        var sb = new StringBuilder();
        for (int i = 0; i < 3000; i++)
        {
            sb.Clear();
            int len = rng.Next(4, 13);
            for (int j = 0; j < len; j++)
                sb.Append(Alphabet[rng.Next(Alphabet.Length)]);
            yield return sb.ToString();
        }
    }
}
