// StopStringMatcher: hand-traced streams and a random-chunking property test against a brute-force
// search over the whole text.
using Meridian.Engine.Sampling;

namespace Meridian.Engine.Tests.Sampling;

public class StopStringMatcherTests
{
    private static (string Emitted, bool Stopped, string? Stop) Run(string[] stops, IEnumerable<string> pieces)
    {
        var matcher = new StopStringMatcher(stops);
        var emitted = new System.Text.StringBuilder();
        foreach (string piece in pieces)
        {
            var result = matcher.Push(piece);
            emitted.Append(result.Text);
            if (result.Stopped)
                return (emitted.ToString(), true, result.StopString);
        }
        return (emitted + matcher.Flush(), false, null);
    }

    [Fact]
    public void Push_StopSplitAcrossPieces_HoldsPrefixThenStops()
    {
        var matcher = new StopStringMatcher(["</s>"]);
        // "Hello <": "<" could start "</s>" → emit "Hello ", hold "<"
        Assert.Equal(new StopStringResult("Hello ", false, null), matcher.Push("Hello <"));
        Assert.Equal("<", matcher.HeldText);
        // "</": still a prefix → nothing emitted
        Assert.Equal(new StopStringResult("", false, null), matcher.Push("/"));
        Assert.Equal("</", matcher.HeldText);
        // "</s> more": stop at 0 → emit "", stop; " more" is dropped
        Assert.Equal(new StopStringResult("", true, "</s>"), matcher.Push("s> more"));
        Assert.True(matcher.Stopped);
        Assert.Throws<InvalidOperationException>(() => matcher.Push("x"));
    }

    [Fact]
    public void Push_PrefixThatFails_ReleasesHeldText()
    {
        var matcher = new StopStringMatcher(["</s>"]);
        Assert.Equal("a", matcher.Push("a<").Text);
        // "<b": not a prefix of "</s>" at 0 or 1 → release everything
        Assert.Equal("<b", matcher.Push("b").Text);
        Assert.Equal("", matcher.HeldText);
    }

    [Fact]
    public void Push_OverlappingSelfPrefix_FindsStop()
    {
        // stop "abab", pieces "aba" | "aba" | "b"
        var matcher = new StopStringMatcher(["abab"]);
        Assert.Equal("", matcher.Push("aba").Text);          // "aba" is a prefix: hold all
        Assert.Equal("aba", matcher.Push("aba").Text);       // "abaaba": longest held tail "aba" (k = 3)
        Assert.Equal(new StopStringResult("", true, "abab"), matcher.Push("b")); // "abab"
    }

    [Fact]
    public void Push_TwoStops_EarliestCompletionWins()
    {
        // "xxabcdefyy": "cd" ends at 6, "abcdef" ends at 8 → cut before "cd": "xxab".
        // Char by char, "cd" also completes first, so chunking does not change the answer.
        string[] stops = ["abcdef", "cd"];
        Assert.Equal(("xxab", true, "cd"), Run(stops, ["xxabcdefyy"]));
        Assert.Equal(("xxab", true, "cd"), Run(stops, "xxabcdefyy".Select(c => c.ToString())));
        // Same end: "bcd" (starts 1) and "cd" (starts 2) both end at 4 in "abcd" → the earlier start, "bcd".
        Assert.Equal(("a", true, "bcd"), Run(["cd", "bcd"], ["abcd"]));
    }

    [Fact]
    public void Push_UnicodeStops_SplitSurrogatePairAndCjk()
    {
        // 🛑 is U+1F6D1, the pair D83D DED1; the pieces split the pair.
        Assert.Equal(("hi ", true, "🛑"), Run(["🛑"], ["hi \uD83D", "\uDED1 bye"]));
        // 終わり split over three pieces, after text with an emoji that must come through whole.
        Assert.Equal(("これで😀", true, "終わり"), Run(["終わり"], ["これで😀終", "わ", "り。"]));
        // é as one code point is not e + U+0301 (ordinal, no normalisation).
        Assert.Equal(("cafe\u0301!", false, null), Run(["café"], ["cafe\u0301", "!"]));
    }

    [Fact]
    public void Push_NoStopStrings_PassesThrough()
    {
        var matcher = new StopStringMatcher([]);
        Assert.Equal("abc", matcher.Push("abc").Text);
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void Constructor_EmptyOrMalformedStop_Throws()
    {
        Assert.Throws<ArgumentException>(() => new StopStringMatcher([""]));
        Assert.Throws<ArgumentException>(() => new StopStringMatcher(["a\uD83D"]));
        Assert.Throws<ArgumentException>(() => new StopStringMatcher(["\uDED1"]));
    }

    // Brute force over the whole text: the stop that ends first, ties to the earlier start.
    private static (string Emitted, bool Stopped) Reference(string text, string[] stops)
    {
        for (int end = 1; end <= text.Length; end++)
        {
            for (int start = 0; start < end; start++)
            {
                if (stops.Contains(text[start..end]))
                    return (text[..start], true);
            }
        }
        return (text, false);
    }

    [Fact]
    public void Push_RandomTextAndChunking_MatchesBruteForce()
    {
        var rng = new Random(99);
        const string Alphabet = "ab¿c";
        for (int trial = 0; trial < 3000; trial++)
        {
            string RandomString(int length) =>
                new(Enumerable.Range(0, length).Select(_ => Alphabet[rng.Next(Alphabet.Length)]).ToArray());
            string[] stops = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => RandomString(rng.Next(1, 5))).ToArray();
            string text = RandomString(rng.Next(0, 25));
            var pieces = new List<string>();
            for (int i = 0; i < text.Length;)
            {
                int n = Math.Min(text.Length - i, rng.Next(0, 5)); // empty pieces too
                pieces.Add(text.Substring(i, n));
                i += n;
            }

            var matcher = new StopStringMatcher(stops);
            var emitted = new System.Text.StringBuilder();
            bool stopped = false;
            for (int i = 0; i < pieces.Count; i++)
            {
                var result = matcher.Push(pieces[i]);
                emitted.Append(result.Text);
                Assert.DoesNotContain(stops, s => emitted.ToString().Contains(s, StringComparison.Ordinal));
                if (result.Stopped) { stopped = true; break; }
                // no stop yet: what went out plus what is held is exactly what came in
                Assert.Equal(string.Concat(pieces.Take(i + 1)), emitted + matcher.HeldText);
            }
            string output = stopped ? emitted.ToString() : emitted + matcher.Flush();
            var (expected, expectedStop) = Reference(text, stops);
            Assert.True(expected == output && expectedStop == stopped,
                $"stops [{string.Join(", ", stops)}], pieces [{string.Join("|", pieces)}]: got ({output}, {stopped}), expected ({expected}, {expectedStop})");
        }
    }
}
