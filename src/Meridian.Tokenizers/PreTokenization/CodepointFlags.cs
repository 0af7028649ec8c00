// Unicode category flags per code point, the classes llama.cpp's pre-tokenizers test (unicode.h
// unicode_cpt_flags). .NET's tables (Unicode 15.1/16) stand in for llama.cpp's Python-made ones; they
// differ only for code points assigned in the newest Unicode versions.
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Meridian.Tokenizers.PreTokenization;

/// <summary>Category bits of one code point. Every code point has exactly one category bit; whitespace is extra.</summary>
[Flags]
internal enum CodepointFlags : byte
{
    /// <summary>Outside the text (llama.cpp's OUT_OF_RANGE lookups): no bit set.</summary>
    None = 0,
    Letter = 1,
    Number = 2,
    Punctuation = 4,
    Symbol = 8,
    Mark = 16,
    Separator = 32,
    /// <summary>\p{C}: control, format, surrogate, private use, unassigned.</summary>
    Other = 64,
    /// <summary>Unicode White_Space (what Python's regex \s matches).</summary>
    Whitespace = 128,
}

/// <summary>Looks up <see cref="CodepointFlags"/>; a 64 KiB table covers the BMP, the rest is computed on demand.</summary>
internal static class Codepoints
{
    private static readonly CodepointFlags[] Bmp = BuildBmp();

    /// <summary>Flags of code point <paramref name="cp"/> (0..0x10FFFF).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodepointFlags Of(int cp) => (uint)cp < 0x10000 ? Bmp[cp] : OfSupplementary(cp);

    /// <summary>True when the flags hold a letter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsLetter(CodepointFlags f) => (f & CodepointFlags.Letter) != 0;

    /// <summary>True when the flags hold a number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNumber(CodepointFlags f) => (f & CodepointFlags.Number) != 0;

    /// <summary>True when the flags hold whitespace.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWhitespace(CodepointFlags f) => (f & CodepointFlags.Whitespace) != 0;

    /// <summary>
    /// Reads the code point starting at <paramref name="i"/>; <paramref name="length"/> is 2 for a
    /// surrogate pair, else 1. Input is sanitized before splitting, so lone surrogates do not occur.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int At(ReadOnlySpan<char> s, int i, out int length)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            length = 2;
            return char.ConvertToUtf32(c, s[i + 1]);
        }
        length = 1;
        return c;
    }

    /// <summary>The White_Space code points (Python's regex \s; llama.cpp unicode_set_whitespace).</summary>
    public static bool IsWhiteSpaceCodepoint(int cp) => cp switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    private static CodepointFlags OfSupplementary(int cp) =>
        (uint)cp > 0x10FFFF ? CodepointFlags.Other : FromCategory(CharUnicodeInfo.GetUnicodeCategory(cp));

    private static CodepointFlags[] BuildBmp()
    {
        var table = new CodepointFlags[0x10000];
        for (int cp = 0; cp < table.Length; cp++)
        {
            var f = FromCategory(CharUnicodeInfo.GetUnicodeCategory((char)cp));
            if (IsWhiteSpaceCodepoint(cp))
                f |= CodepointFlags.Whitespace;
            table[cp] = f;
        }
        return table;
    }

    private static CodepointFlags FromCategory(UnicodeCategory c) => c switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CodepointFlags.Letter,
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => CodepointFlags.Mark,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CodepointFlags.Number,
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => CodepointFlags.Punctuation,
        UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
            or UnicodeCategory.OtherSymbol => CodepointFlags.Symbol,
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => CodepointFlags.Separator,
        _ => CodepointFlags.Other,
    };
}
