// A vocabulary prepared for masks, once per tokenizer: every token's bytes, the byte trie of all of them, and
// llguidance's "slicer" for free text (docs/optimizations.md): the tokens that are text a JSON string may hold as it
// is (printable ASCII but '"' and '\', and whole UTF-8 characters from U+0080 up) form a slice with a trie of the
// rest. Inside a string whose lexer state every such token leads back to (no length limit, no pattern), the slice is
// allowed as one precomputed bit set and only the rest is walked: the difference between visiting most of a 150k
// vocabulary's trie and a few thousand nodes.
namespace Meridian.Grammar.Matching;

/// <summary>A tokenizer's tokens as tries for grammar masks.</summary>
public sealed class TokenVocabulary
{
    private readonly byte[][] _bytes;

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
        All = new TokenTrie(vocabSize, id => _bytes[id]);
        Rest = new TokenTrie(vocabSize, id => (SliceMask[id >> 6] & (1UL << (id & 63))) != 0 ? [] : _bytes[id]);
    }

    public int VocabSize => _bytes.Length;

    /// <summary>Every token with bytes.</summary>
    public TokenTrie All { get; }

    /// <summary>The tokens outside the string-text slice.</summary>
    public TokenTrie Rest { get; }

    /// <summary>[VocabSize bits] the string-text slice.</summary>
    public ulong[] SliceMask { get; }

    public int SliceCount { get; }

    public byte[] BytesOf(int id) => _bytes[id];

    /// <summary>
    /// The mask of the tokens the matcher allows next (bits in <paramref name="mask"/>, which the caller cleared): the
    /// slice at once plus a walk of the rest where the matcher is inside free string text, else a walk of all.
    /// </summary>
    internal void Mask(GrammarMatcher matcher, Span<ulong> mask)
    {
        if (SliceCount > 0 && matcher.InSliceLoop())
        {
            SliceMask.AsSpan().CopyTo(mask);
            Rest.Walk(matcher, mask);
        }
        else
            All.Walk(matcher, mask);
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
