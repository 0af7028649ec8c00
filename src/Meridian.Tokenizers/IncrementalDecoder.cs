// Streaming detokenizer: ids pushed one at a time become text that never splits a UTF-8 sequence and that
// concatenates to Tokenizer.Decode of all ids pushed.
using System.Buffers;
using System.Text;

namespace Meridian.Tokenizers;

// Bytes are held back while they end in an incomplete UTF-8 sequence and, for clean_spaces vocabularies,
// while the last byte could still take part in a space-cleaning rule with what follows.
/// <summary>
/// Decodes a stream of ids. <see cref="Push"/> returns the text that became complete (often ""),
/// <see cref="Flush"/> the rest. Not thread-safe: one instance per stream.
/// </summary>
public sealed class IncrementalDecoder
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly Tokenizer _tokenizer;
    private readonly bool _skipSpecial;
    private readonly bool _cleanSpaces;
    private readonly ArrayBufferWriter<byte> _pending = new(64); // bytes not yet returned
    private bool _stripLeadingSpace;

    internal IncrementalDecoder(Tokenizer tokenizer, bool skipSpecial, bool stripLeadingSpace, bool cleanSpaces)
    {
        _tokenizer = tokenizer;
        _skipSpecial = skipSpecial;
        _stripLeadingSpace = stripLeadingSpace;
        _cleanSpaces = cleanSpaces;
    }

    /// <summary>Adds one id; returns the text completed by it (possibly empty).</summary>
    public string Push(int id)
    {
        _tokenizer.AppendPiece(_pending, id, _skipSpecial, _stripLeadingSpace);
        _stripLeadingSpace = false;
        ReadOnlySpan<byte> pending = _pending.WrittenSpan;
        int cut = Utf8CompleteLength(pending);
        if (_cleanSpaces)
            cut = CleanSafeCut(pending, cut);
        return cut == 0 ? "" : Take(cut);
    }

    /// <summary>Returns everything still held back (an incomplete UTF-8 tail becomes U+FFFD) and resets the state for more ids.</summary>
    public string Flush() => _pending.WrittenCount == 0 ? "" : Take(_pending.WrittenCount);

    private string Take(int count)
    {
        byte[] chunk = _pending.WrittenSpan[..count].ToArray();
        int length = _cleanSpaces ? SpaceCleaner.Clean(chunk) : chunk.Length;
        string text = Utf8.GetString(chunk, 0, length);
        byte[] rest = _pending.WrittenSpan[count..].ToArray();
        _pending.ResetWrittenCount();
        _pending.Write(rest);
        return text;
    }

    // Length of the prefix that does not end inside a UTF-8 sequence that more bytes could still complete.
    private static int Utf8CompleteLength(ReadOnlySpan<byte> bytes)
    {
        for (int back = 1; back <= 3 && back <= bytes.Length; back++)
        {
            int start = bytes.Length - back;
            byte b = bytes[start];
            if ((b & 0xC0) == 0x80)
                continue; // continuation byte: look further back for the lead
            if (b >= 0xC2 && System.Text.Rune.DecodeFromUtf8(bytes[start..], out _, out _) == OperationStatus.NeedMoreData)
                return start;
            break;
        }
        return bytes.Length;
    }

    // Largest cut <= limit that clean_spaces cannot see across. Its rules all start at a space, read at most
    // three bytes from it, and only delete spaces; so if the byte before the cut is not a space, not an
    // apostrophe, and not 'r' or 'v' (of " 're" / " 've"), no rule reads across the cut and both sides
    // clean the same alone as together. Only the last few bytes are searched, keeping Push O(1).
    private static int CleanSafeCut(ReadOnlySpan<byte> bytes, int limit)
    {
        for (int cut = limit; cut > 0 && cut > limit - 16; cut--)
        {
            if (bytes[cut - 1] is not ((byte)' ' or (byte)'\'' or (byte)'r' or (byte)'v') && !IsContinuation(bytes, cut))
                return cut;
        }
        return 0;
    }

    private static bool IsContinuation(ReadOnlySpan<byte> bytes, int at) => at < bytes.Length && (bytes[at] & 0xC0) == 0x80;
}
