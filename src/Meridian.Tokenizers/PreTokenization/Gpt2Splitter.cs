// Hand-written matcher for the GPT-2 split regex with the results of llama.cpp's
// unicode_regex_split_custom_gpt2 (src/unicode.cpp). Faster than .NET Regex, and it classifies code points
// (not UTF-16 units), so supplementary-plane letters are letters as they are for llama.cpp and HF.
namespace Meridian.Tokenizers.PreTokenization;

//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
internal static class Gpt2Splitter
{
    /// <summary>The regex this splitter implements, as llama.cpp spells it.</summary>
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";

    public static void Split(ReadOnlySpan<char> text, Segment segment, List<Segment> output)
    {
        var c = new SplitCursor(text, segment.Start, segment.End, output);
        int end = segment.End;
        int pos = segment.Start;
        while (pos < end)
        {
            char ch = text[pos];
            // 's|'t|'re|'ve|'m|'ll|'d (lower case only)
            if (ch == '\'' && pos + 1 < end)
            {
                char n1 = text[pos + 1];
                if (n1 is 's' or 't' or 'm' or 'd')
                {
                    pos = c.Emit(pos + 2);
                    continue;
                }
                if (pos + 2 < end)
                {
                    char n2 = text[pos + 2];
                    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l'))
                    {
                        pos = c.Emit(pos + 3);
                        continue;
                    }
                }
            }

            // The optional leading space of the next three alternatives: look at what follows it.
            CodepointFlags f2 = ch == ' ' ? c.FlagsAt(pos + 1) : c.FlagsAt(pos);
            if (Codepoints.IsLetter(f2))
            {
                if (ch == ' ')
                    pos++;
                while (Codepoints.IsLetter(c.FlagsAt(pos)))
                    pos += c.LengthAt(pos);
                c.Emit(pos);
                continue;
            }
            if (Codepoints.IsNumber(f2))
            {
                if (ch == ' ')
                    pos++;
                while (Codepoints.IsNumber(c.FlagsAt(pos)))
                    pos += c.LengthAt(pos);
                c.Emit(pos);
                continue;
            }
            if (IsOther(f2))
            {
                if (ch == ' ')
                    pos++;
                while (IsOther(c.FlagsAt(pos)))
                    pos += c.LengthAt(pos);
                c.Emit(pos);
                continue;
            }

            // \s+(?!\S) leaves the last whitespace of a run for the word after it; \s+ takes a run that ends the segment.
            int runEnd = pos, runCount = 0, lastStart = pos;
            while (Codepoints.IsWhitespace(c.FlagsAt(runEnd)))
            {
                lastStart = runEnd;
                runEnd += c.LengthAt(runEnd);
                runCount++;
            }
            if (runCount > 1 && runEnd < end)
            {
                pos = c.Emit(lastStart);
                continue;
            }
            if (runCount > 0)
            {
                pos = c.Emit(runEnd);
                continue;
            }

            pos = c.Emit(pos + c.LengthAt(pos)); // no alternative matches: one code point alone
        }
    }

    // [^\s\p{L}\p{N}] for a code point inside the segment.
    private static bool IsOther(CodepointFlags f) =>
        f != CodepointFlags.None && (f & (CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number)) == 0;
}
