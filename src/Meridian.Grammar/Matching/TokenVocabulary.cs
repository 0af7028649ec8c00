// A vocabulary prepared for masks, once per tokenizer: every token's bytes, the byte trie of all of them, and
// llguidance's "slicer" for free text (docs/optimizations.md): the tokens that are text a JSON string may hold as it
// is (printable ASCII but '"' and '\', and whole UTF-8 characters from U+0080 up) form a slice with a trie of the
// rest. Inside a string whose lexer state every such token leads back to (no length limit, no pattern), the slice is
// allowed as one precomputed bit set and only the rest is walked: the difference between visiting most of a 150k
// vocabulary's trie and a few thousand nodes. Inside a length-limited string (every character leads to the same next
// count), the slice tokens of at most the characters left are allowed the same way, from bit sets by length.
namespace Meridian.Grammar.Matching;

/// <summary>A tokenizer's tokens as tries for grammar masks.</summary>
public sealed class TokenVocabulary
{
    private readonly byte[][] _bytes;
    private readonly ulong[][] _sliceUpTo;
    private readonly int _runCap;

    // A length-limited string's counts are followed this many characters ahead; slice tokens longer than that (a few
    // percent of a vocabulary) are walked. Each count is a lexer state built on first use, so following all of a
    // 120-character limit at once would make the string's first mask the slowest of all.
    private const int RunCap = 16;

    /// <summary>Prepares <paramref name="vocabSize"/> tokens whose bytes <paramref name="bytesOf"/> gives (empty: a special token, never in a mask by its bytes).</summary>
    public TokenVocabulary(int vocabSize, Func<int, byte[]> bytesOf)
    {
        ArgumentNullException.ThrowIfNull(bytesOf);
        _bytes = new byte[vocabSize][];
        SliceMask = new ulong[(vocabSize + 63) / 64];
        for (int id = 0; id < vocabSize; id++)
        {
            _bytes[id] = bytesOf(id);
            if (IsStringText(_bytes[id]))
            {
                SliceMask[id >> 6] |= 1UL << (id & 63);
                SliceCount++;
            }
        }
        // _sliceUpTo[c]: the slice tokens of at most c characters.
        var chars = new int[vocabSize];
        for (int id = 0; id < vocabSize; id++)
        {
            if ((SliceMask[id >> 6] & (1UL << (id & 63))) != 0)
            {
                chars[id] = RuneCount(_bytes[id]);
                MaxSliceChars = Math.Max(MaxSliceChars, chars[id]);
            }
        }
        _runCap = Math.Min(MaxSliceChars, RunCap);
        _sliceUpTo = new ulong[_runCap + 1][];
        for (int c = 0; c <= _runCap; c++)
        {
            _sliceUpTo[c] = c == 0 ? new ulong[SliceMask.Length] : (ulong[])_sliceUpTo[c - 1].Clone();
            for (int id = 0; id < vocabSize && c > 0; id++)
            {
                if (chars[id] == c)
                    _sliceUpTo[c][id >> 6] |= 1UL << (id & 63);
            }
        }
        All = new TokenTrie(vocabSize, id => _bytes[id]);
        Rest = new TokenTrie(vocabSize, id => (SliceMask[id >> 6] & (1UL << (id & 63))) != 0 ? [] : _bytes[id]);
        Long = new TokenTrie(vocabSize, id => chars[id] > _runCap ? _bytes[id] : []);
    }

    public int VocabSize => _bytes.Length;

    /// <summary>Every token with bytes.</summary>
    public TokenTrie All { get; }

    /// <summary>The tokens outside the string-text slice.</summary>
    public TokenTrie Rest { get; }

    /// <summary>The slice's tokens of more characters than a length-limited string's run is followed.</summary>
    public TokenTrie Long { get; }

    /// <summary>[VocabSize bits] the string-text slice.</summary>
    public ulong[] SliceMask { get; }

    public int SliceCount { get; }

    /// <summary>The most characters (code points, as JSON Schema's lengths count them) a slice token has.</summary>
    public int MaxSliceChars { get; }

    public byte[] BytesOf(int id) => _bytes[id];

    /// <summary>
    /// The mask of the tokens the matcher allows next (bits in <paramref name="mask"/>, which the caller cleared): the
    /// slice at once plus a walk of the rest where the matcher is inside free string text, else a walk of all.
    /// </summary>
    internal void Mask(GrammarMatcher matcher, Span<ulong> mask)
    {
        if (SliceCount > 0 && matcher.Position.InLexeme && SliceRun(matcher) is { } chars)
        {
            if (chars == int.MaxValue)
                SliceMask.AsSpan().CopyTo(mask);
            else
                _sliceUpTo[Math.Min(chars, _runCap)].AsSpan().CopyTo(mask);
            Rest.Walk(matcher, mask);
            if (chars != int.MaxValue && chars >= _runCap)
                Long.Walk(matcher, mask);
        }
        else
            All.Walk(matcher, mask);
    }

    // How many more characters of string text the lexeme takes whatever they are: int.MaxValue for any number (free
    // text), up to _runCap followed (past it, the long slice tokens are walked); null where characters differ (a
    // pattern) or one may end the lexeme.
    private int? SliceRun(GrammarMatcher matcher)
    {
        var lexer = matcher.Lexer;
        int state = matcher.Position.Lexer;
        for (int k = 0; k < _runCap; k++)
        {
            int next = lexer.SliceStep(state);
            if (next == state)
                return int.MaxValue; // free from here on: every slice token (shorter ones end on the way, alive)
            if (next == LexerStates.Dead)
                return lexer.Accepting(state).Length == 0 ? k : null;
            if (next < 0)
                return null;
            state = next;
        }
        return _runCap;
    }

    private static int RuneCount(ReadOnlySpan<byte> text)
    {
        int n = 0;
        foreach (byte b in text)
        {
            if ((b & 0xC0) != 0x80)
                n++; // every byte but a continuation byte starts a code point (the slice is whole, valid UTF-8)
        }
        return n;
    }

    // Printable ASCII but '"' and '\\', DEL, and whole, valid UTF-8 characters of two to four bytes; at least one byte.
    internal static bool IsStringText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return false;
        int i = 0;
        while (i < bytes.Length)
        {
            byte b = bytes[i];
            if (b < 0x80)
            {
                if (b < 0x20 || b == (byte)'"' || b == (byte)'\\')
                    return false;
                i++;
                continue;
            }
            if (System.Text.Rune.DecodeFromUtf8(bytes[i..], out _, out int used) != System.Buffers.OperationStatus.Done)
                return false;
            i += used;
        }
        return true;
    }
}
