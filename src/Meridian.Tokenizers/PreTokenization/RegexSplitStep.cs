// One split regex of a llama.cpp pre-tokenizer list, run as llama.cpp's unicode_regex_split runs it
// (src/unicode.cpp), here on .NET Regex over one char per code point. Used for the pre-tokenizers that
// have no hand-written splitter.
using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Meridian.Tokenizers.PreTokenization;

// A regex that uses \p{..} classes sees "collapsed" text: every non-ASCII code point becomes one marker
// character for its category (whitespace becomes \v), and \p{L} etc. become [marker + ASCII members].
// A regex without \p{..} sees the code points themselves.
internal sealed class RegexSplitStep
{
    // Marker characters of the collapsed text (llama.cpp's 0xD0..0xD5 bytes).
    private const char OtherMarker = '\u00D0', NumberMarker = '\u00D1', LetterMarker = '\u00D2',
        PunctuationMarker = '\u00D3', MarkMarker = '\u00D4', SymbolMarker = '\u00D5';

    // A supplementary-plane code point inside one of the regex's own supplementary ranges, and one outside.
    private const char SupplementaryIn = '\uFFFE', SupplementaryOut = '\uFFFF';

    private static readonly ConcurrentDictionary<string, RegexSplitStep> Cache = new(StringComparer.Ordinal);

    private static readonly Dictionary<string, string> CategoryClass = new(StringComparer.Ordinal)
    {
        [@"\p{N}"] = NumberMarker + "0-9",
        [@"\p{L}"] = LetterMarker + "A-Za-z",
        [@"\p{Lu}"] = LetterMarker + "A-Za-z",
        [@"\p{Ll}"] = LetterMarker + "A-Za-z",
        [@"\p{Lt}"] = LetterMarker + "A-Za-z",
        [@"\p{Lm}"] = LetterMarker + "A-Za-z",
        [@"\p{Lo}"] = LetterMarker + "A-Za-z",
        [@"\p{P}"] = PunctuationMarker + @"\x21-\x23\x25-\x2A\x2C-\x2F\x3A\x3B\x3F\x40\x5B-\x5D\x5F\x7B\x7D",
        [@"\p{M}"] = MarkMarker.ToString(),
        [@"\p{S}"] = SymbolMarker + @"\x24\x2B\x3C-\x3E\x5E\x60\x7C",
    };

    private readonly Regex _regex;
    private readonly bool _collapsed;
    private readonly (int Lo, int Hi)[] _supplementary;

    private RegexSplitStep(string pattern)
    {
        Pattern = pattern;
        _collapsed = CategoryClass.Keys.Any(k => pattern.Contains(k, StringComparison.Ordinal));
        var ranges = new List<(int, int)>();
        string converted = Convert(pattern, _collapsed, ranges);
        _supplementary = ranges.ToArray();
        try
        {
            _regex = new Regex(converted, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        catch (ArgumentException e)
        {
            throw new TokenizerException($"pre-tokenizer regex '{pattern}' is not supported: {e.Message}", e);
        }
    }

    /// <summary>The regex in llama.cpp's dialect.</summary>
    public string Pattern { get; }

    /// <summary>The step for <paramref name="pattern"/>; compiled once per process.</summary>
    public static RegexSplitStep For(string pattern) => Cache.GetOrAdd(pattern, p => new RegexSplitStep(p));

    /// <summary>Splits every segment of <paramref name="text"/> in <paramref name="current"/> into <paramref name="next"/>.</summary>
    public void SplitAll(ReadOnlySpan<char> text, List<Segment> current, List<Segment> next)
    {
        if (!text.ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            // One char per code point already: step text and input share indices.
            char[] buffer = System.Buffers.ArrayPool<char>.Shared.Rent(Math.Max(1, text.Length));
            try
            {
                for (int i = 0; i < text.Length; i++)
                    buffer[i] = Transform(text[i]);
                foreach (var seg in current)
                    SplitOne(buffer.AsSpan(seg.Start, seg.Length), seg.Start, null, next);
            }
            finally
            {
                System.Buffers.ArrayPool<char>.Shared.Return(buffer);
            }
            return;
        }

        // Surrogate pairs: build the one-char-per-code-point text and the map back to UTF-16 offsets.
        var stepText = new char[text.Length];
        var utf16Of = new int[text.Length + 1];
        int n = 0;
        for (int i = 0; i < text.Length; n++)
        {
            utf16Of[n] = i;
            int cp = Codepoints.At(text, i, out int len);
            stepText[n] = Transform(cp);
            i += len;
        }
        utf16Of[n] = text.Length;
        var map = utf16Of.AsSpan(0, n + 1);
        foreach (var seg in current)
        {
            int cpStart = map.BinarySearch(seg.Start);
            int cpEnd = map.BinarySearch(seg.End);
            SplitOne(stepText.AsSpan(cpStart, cpEnd - cpStart), cpStart, utf16Of, next);
        }
    }

    // Matches become words, and so do the gaps between them (llama.cpp keeps unmatched text as words too).
    private void SplitOne(ReadOnlySpan<char> segText, int offset, int[]? utf16Of, List<Segment> next)
    {
        int done = 0;
        foreach (ValueMatch m in _regex.EnumerateMatches(segText))
        {
            if (m.Length == 0)
                continue;
            if (m.Index > done)
                Add(next, offset + done, offset + m.Index, utf16Of);
            Add(next, offset + m.Index, offset + m.Index + m.Length, utf16Of);
            done = m.Index + m.Length;
        }
        if (done < segText.Length)
            Add(next, offset + done, offset + segText.Length, utf16Of);
    }

    private static void Add(List<Segment> next, int start, int end, int[]? utf16Of)
    {
        if (utf16Of is not null)
        {
            start = utf16Of[start];
            end = utf16Of[end];
        }
        next.Add(new Segment(start, end - start));
    }

    private char Transform(int cp)
    {
        if (cp < 0x80)
            return (char)cp;
        CodepointFlags f = Codepoints.Of(cp);
        if (_collapsed)
        {
            if (Codepoints.IsWhitespace(f))
                return '\v';
            return (f & ~CodepointFlags.Whitespace) switch
            {
                CodepointFlags.Letter => LetterMarker,
                CodepointFlags.Number => NumberMarker,
                CodepointFlags.Punctuation => PunctuationMarker,
                CodepointFlags.Mark => MarkMarker,
                CodepointFlags.Symbol => SymbolMarker,
                _ => OtherMarker,
            };
        }
        if (Codepoints.IsWhitespace(f))
            return '\v';
        if (cp < 0x10000)
            return (char)cp;
        foreach (var (lo, hi) in _supplementary)
            if (cp >= lo && cp <= hi)
                return SupplementaryIn;
        return SupplementaryOut;
    }

    // llama.cpp dialect -> .NET: \p{..} to collapsed classes, $ to \z (ECMAScript $ is end of input only),
    // supplementary-plane characters in a class to one stand-in character.
    private static string Convert(string pattern, bool collapsed, List<(int, int)> supplementary)
    {
        var sb = new StringBuilder(pattern.Length * 2);
        bool inside = false, classHasSupplementary = false;
        for (int i = 0; i < pattern.Length;)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                if (pattern[i + 1] == 'p' && i + 2 < pattern.Length && pattern[i + 2] == '{')
                {
                    int close = pattern.IndexOf('}', i + 3);
                    string name = close < 0 ? pattern[i..] : pattern[i..(close + 1)];
                    if (!collapsed || !CategoryClass.TryGetValue(name, out string? members))
                        throw new TokenizerException($"pre-tokenizer regex '{pattern}': unicode class {name} is not supported");
                    sb.Append(inside ? members : "[" + members + "]");
                    i = close + 1;
                    continue;
                }
                sb.Append(c).Append(pattern[i + 1]);
                i += 2;
                continue;
            }
            if (c == '[' && !inside)
            {
                inside = true;
                classHasSupplementary = false;
            }
            else if (c == ']' && inside)
            {
                inside = false;
            }
            else if (c == '$' && !inside)
            {
                sb.Append(@"\z");
                i++;
                continue;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]))
            {
                if (!inside)
                    throw new TokenizerException($"pre-tokenizer regex '{pattern}': a supplementary-plane character outside [...] is not supported");
                int lo = char.ConvertToUtf32(c, pattern[i + 1]), hi = lo;
                i += 2;
                if (i + 2 < pattern.Length && pattern[i] == '-' && char.IsHighSurrogate(pattern[i + 1]))
                {
                    hi = char.ConvertToUtf32(pattern[i + 1], pattern[i + 2]);
                    i += 3;
                }
                supplementary.Add((lo, hi));
                if (!classHasSupplementary)
                    sb.Append(SupplementaryIn);
                classHasSupplementary = true;
                continue;
            }
            sb.Append(c);
            i++;
        }
        return sb.ToString();
    }
}
