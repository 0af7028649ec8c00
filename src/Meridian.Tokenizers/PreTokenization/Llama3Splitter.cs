// Hand-written matcher for the Llama 3 split regex and its Qwen2 variant, with the results of llama.cpp's
// unicode_regex_split_custom_llama3 and (Qwen2) its std::regex over category-collapsed text (src/unicode.cpp).
// Own code for speed and because it classifies code points, not UTF-16 units.
namespace Meridian.Tokenizers.PreTokenization;

//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// Qwen2 has \p{N} where Llama 3 has \p{N}{1,3}.
internal static class Llama3Splitter
{
    /// <summary>The Llama 3 regex as llama.cpp spells it (case-insensitive contractions spelled out).</summary>
    public const string Pattern =
        @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The Llama 3 regex as tokenizer.json spells it.</summary>
    public const string HfPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The Qwen2 regex as llama.cpp spells it.</summary>
    public const string Qwen2Pattern =
        @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The Qwen2 regex as tokenizer.json spells it.</summary>
    public const string Qwen2HfPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Splits <paramref name="segment"/>; <paramref name="maxDigits"/> is 3 for Llama 3, 1 for Qwen2.</summary>
    public static void Split(ReadOnlySpan<char> text, Segment segment, List<Segment> output, int maxDigits)
    {
        var c = new SplitCursor(text, segment.Start, segment.End, output);
        int end = segment.End;
        int pos = segment.Start;
        while (pos < end)
        {
            char ch = text[pos];
            int len = c.LengthAt(pos);
            CodepointFlags f = c.FlagsAt(pos);

            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if (ch == '\'' && pos + 1 < end)
            {
                char n1 = LowerAscii(text[pos + 1]);
                if (n1 is 's' or 't' or 'm' or 'd')
                {
                    pos = c.Emit(pos + 2);
                    continue;
                }
                if (pos + 2 < end)
                {
                    char n2 = LowerAscii(text[pos + 2]);
                    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l'))
                    {
                        pos = c.Emit(pos + 3);
                        continue;
                    }
                }
            }

            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (ch != '\r' && ch != '\n' && !Codepoints.IsNumber(f) &&
                (Codepoints.IsLetter(f) || Codepoints.IsLetter(c.FlagsAt(pos + len))))
            {
                pos += len;
                while (Codepoints.IsLetter(c.FlagsAt(pos)))
                    pos += c.LengthAt(pos);
                c.Emit(pos);
                continue;
            }

            // \p{N}{1,maxDigits}
            if (Codepoints.IsNumber(f))
            {
                int run = 0;
                while (Codepoints.IsNumber(c.FlagsAt(pos)))
                {
                    pos += c.LengthAt(pos);
                    if (++run == maxDigits)
                    {
                        c.Emit(pos);
                        run = 0;
                    }
                }
                c.Emit(pos);
                continue;
            }

            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            CodepointFlags f2 = ch == ' ' ? c.FlagsAt(pos + 1) : f;
            if ((f2 & (CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number)) == 0)
            {
                if (ch == ' ')
                    pos++;
                for (CodepointFlags g = c.FlagsAt(pos);
                     g != CodepointFlags.None && (g & (CodepointFlags.Whitespace | CodepointFlags.Letter | CodepointFlags.Number)) == 0;
                     g = c.FlagsAt(pos))
                    pos += c.LengthAt(pos);
                while (c.CharAt(pos) is '\r' or '\n')
                    pos++;
                c.Emit(pos);
                continue;
            }

            // \s*[\r\n]+ ends after the last CR/LF of the whitespace run; else \s+(?!\S) and \s+ as in GPT-2.
            int runEnd = pos, runCount = 0, lastStart = pos, afterLastNewline = -1;
            while (Codepoints.IsWhitespace(c.FlagsAt(runEnd)))
            {
                lastStart = runEnd;
                if (text[runEnd] is '\r' or '\n')
                    afterLastNewline = runEnd + 1;
                runEnd += c.LengthAt(runEnd);
                runCount++;
            }
            if (afterLastNewline > 0)
            {
                pos = c.Emit(afterLastNewline);
                continue;
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

            pos = c.Emit(pos + len);
        }
    }

    // The contractions are ASCII-only in llama.cpp's regex ('[sS] ...).
    private static char LowerAscii(char c) => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
}
