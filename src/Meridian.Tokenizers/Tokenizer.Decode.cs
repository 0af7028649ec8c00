// Decoding: token pieces (llama.cpp token_to_piece with special = true, cached per id) and detokenize
// (leading-space removal for SentencePiece, clean_up_tokenization_spaces), src/llama-vocab.cpp.
using System.Buffers;
using System.Text;

namespace Meridian.Tokenizers;

public abstract partial class Tokenizer
{
    private readonly byte[] _pieceData;   // every token's piece bytes, back to back
    private readonly int[] _pieceStart;   // [VocabSize + 1] offsets into _pieceData
    private readonly SpecialTokenMatcher _specials;

    /// <summary>
    /// Decodes <paramref name="ids"/> to text as llama.cpp's detokenize does (remove_special = false):
    /// SentencePiece drops the space its prefix added before the first token, byte tokens join into UTF-8,
    /// and vocabularies with clean_spaces remove spaces before punctuation. <paramref name="skipSpecial"/>
    /// renders control and unknown tokens as nothing (unparse_special = false). Invalid UTF-8 becomes U+FFFD.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = false)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(16, ids.Length * 4));
        bool removeSpace = Spec.AddSpacePrefix;
        foreach (int id in ids)
        {
            AppendPiece(buffer, id, skipSpecial, removeSpace);
            removeSpace = false;
        }
        ReadOnlySpan<byte> bytes = buffer.WrittenSpan;
        if (Spec.CleanSpaces)
        {
            byte[] copy = bytes.ToArray();
            bytes = copy.AsSpan(0, SpaceCleaner.Clean(copy));
        }
        return Utf8.GetString(bytes);
    }

    /// <summary>
    /// The text of one token as it appears in decoded output (llama.cpp token_to_piece). With
    /// <paramref name="special"/> false, control and unknown tokens give "". A byte token that is part of a
    /// multi-byte character gives U+FFFD; use <see cref="TokenBytes"/> or an <see cref="IncrementalDecoder"/> to join them.
    /// </summary>
    public string TokenToPiece(int id, bool special = true)
    {
        CheckedId(id);
        if (!special && Vocab.Has(id, TokenAttributes.Control | TokenAttributes.Unknown))
            return "";
        return Utf8.GetString(TokenBytes(id));
    }

    /// <summary>The UTF-8 bytes token <paramref name="id"/> decodes to (control and unknown tokens as their text).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        CheckedId(id);
        return _pieceData.AsSpan(_pieceStart[id], _pieceStart[id + 1] - _pieceStart[id]);
    }

    /// <summary>
    /// A decoder for streaming: push ids one at a time and get back the text that became complete. The
    /// pieces concatenate to <see cref="Decode"/> of all pushed ids. With <paramref name="continuation"/>
    /// the ids continue an earlier sequence (a prompt), so no leading space is removed from the first one.
    /// </summary>
    public IncrementalDecoder CreateIncrementalDecoder(bool skipSpecial = false, bool continuation = false) =>
        new(this, skipSpecial, stripLeadingSpace: Spec.AddSpacePrefix && !continuation, Spec.CleanSpaces);

    /// <summary>Appends the piece of <paramref name="id"/>; <paramref name="removeSpace"/> drops one leading space.</summary>
    internal void AppendPiece(IBufferWriter<byte> output, int id, bool skipSpecial, bool removeSpace)
    {
        CheckedId(id);
        if (skipSpecial && Vocab.Has(id, TokenAttributes.Control | TokenAttributes.Unknown))
            return;
        ReadOnlySpan<byte> piece = _pieceData.AsSpan(_pieceStart[id], _pieceStart[id + 1] - _pieceStart[id]);
        if (removeSpace && !piece.IsEmpty && piece[0] == (byte)' ')
            piece = piece[1..];
        output.Write(piece);
    }

    private static (byte[] Data, int[] Start) BuildPieces(Vocabulary vocab, TokenizerKind kind)
    {
        var data = new ArrayBufferWriter<byte>(vocab.Count * 8);
        var start = new int[vocab.Count + 1];
        for (int id = 0; id < vocab.Count; id++)
        {
            start[id] = data.WrittenCount;
            string text = vocab.Texts[id];
            TokenAttributes a = vocab.Attributes[id];
            // SentencePiece user-defined pieces (Gemma's runs of U+2581) spell spaces the same way normal pieces do,
            // as the tokenizer.json decoder's Replace step has it.
            if ((a & TokenAttributes.UserDefined) != 0 && kind == TokenizerKind.SentencePieceBpe)
                data.Write(Encoding.UTF8.GetBytes(text.Replace('\u2581', ' ')));
            else if ((a & (TokenAttributes.Control | TokenAttributes.Unknown | TokenAttributes.UserDefined)) != 0)
                data.Write(Encoding.UTF8.GetBytes(text));
            else if ((a & TokenAttributes.Normal) != 0)
                data.Write(kind == TokenizerKind.ByteLevelBpe
                    ? ByteLevelText(text)
                    : Encoding.UTF8.GetBytes(text.Replace('\u2581', ' ')));
            else if ((a & TokenAttributes.Byte) != 0)
                data.Write([ByteTokenValue(text, id)]);
            // unused and undefined tokens decode to nothing, as in llama.cpp
        }
        start[vocab.Count] = data.WrittenCount;
        return (data.WrittenSpan.ToArray(), start);
    }

    // Byte-level alphabet back to bytes; a character outside the alphabet is spelled out as llama.cpp does.
    private static byte[] ByteLevelText(string text)
    {
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            int b = ByteLevelAlphabet.CharToByte(text[i]);
            if (b >= 0)
            {
                bytes.Add((byte)b);
                continue;
            }
            int len = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
            byte[] utf8 = Encoding.UTF8.GetBytes(text.Substring(i, len));
            bytes.AddRange(Encoding.UTF8.GetBytes("[UNK_BYTE_0x" + Convert.ToHexStringLower(utf8) + text + "]"));
            i += len - 1;
        }
        return bytes.ToArray();
    }

    // "<0xXX>" -> XX (llama.cpp token_to_byte reads the two characters after "<0x").
    private static byte ByteTokenValue(string text, int id)
    {
        if (!TokenizerSpec.IsByteTokenText(text))
            throw new TokenizerException($"token {id} '{text}' has type byte but is not of the form <0xXX>");
        return Convert.ToByte(text.Substring(3, 2), 16);
    }
}
