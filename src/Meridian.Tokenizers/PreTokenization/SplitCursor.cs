// Shared bookkeeping of the hand-written splitters: reads code points and flags inside one segment
// (outside it reads as "no code point", like llama.cpp's OUT_OF_RANGE), and emits words.
using System.Runtime.CompilerServices;

namespace Meridian.Tokenizers.PreTokenization;

/// <summary>Cursor over one segment [start, end) of the text; emits words into a list.</summary>
internal ref struct SplitCursor
{
    private readonly ReadOnlySpan<char> _text;
    private readonly int _end;
    private readonly List<Segment> _output;
    private int _wordStart;

    public SplitCursor(ReadOnlySpan<char> text, int start, int end, List<Segment> output)
    {
        _text = text;
        _end = end;
        _output = output;
        _wordStart = start;
    }

    /// <summary>The UTF-16 length of the code point at <paramref name="i"/> (1 outside the segment).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int LengthAt(int i)
    {
        if (i >= _end)
            return 1;
        Codepoints.At(_text[.._end], i, out int len);
        return len;
    }

    /// <summary>Flags of the code point at <paramref name="i"/>, or <see cref="CodepointFlags.None"/> outside the segment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly CodepointFlags FlagsAt(int i)
    {
        if (i >= _end)
            return CodepointFlags.None;
        char c = _text[i];
        if (!char.IsSurrogate(c))
            return Codepoints.Of(c);
        return Codepoints.Of(Codepoints.At(_text[.._end], i, out _));
    }

    /// <summary>The UTF-16 unit at <paramref name="i"/>, or '\0' outside the segment (callers compare against ASCII only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly char CharAt(int i) => i < _end ? _text[i] : '\0';

    /// <summary>Ends the current word at <paramref name="end"/> (no word when empty) and returns <paramref name="end"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Emit(int end)
    {
        if (end > _wordStart)
            _output.Add(new Segment(_wordStart, end - _wordStart));
        _wordStart = end;
        return end;
    }
}
