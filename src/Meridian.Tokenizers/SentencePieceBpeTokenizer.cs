// SentencePiece-style BPE with llama.cpp's results (llm_tokenizer_spm_session in src/llama-vocab.cpp):
// spaces become U+2581 (plus a prefix space), then the adjacent pair whose concatenation is the best-scoring
// token merges first, leftmost on ties; leftovers that are no token fall back to <0xXX> byte tokens.
using System.Collections.Concurrent;
using System.Text;

namespace Meridian.Tokenizers;

// Speed: when no token has U+2581 after another character, no merge can cross the boundary before a
// word's U+2581, so text is cut there and each word's ids are cached.
internal sealed class SentencePieceBpeTokenizer : Tokenizer
{
    private const char Space = '\u2581';
    private const int MaxCachedWordLength = 64;
    private const int MaxCacheEntries = 1 << 17;

    private readonly int[] _byteTokens = new int[256];   // byte fallback id per byte value, -1 when none
    private readonly bool _cutAtWords;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheCount;

    [ThreadStatic] private static SpmScratch? t_scratch;

    public SentencePieceBpeTokenizer(TokenizerSpec spec) : base(spec)
    {
        for (int b = 0; b < 256; b++)
        {
            // llama.cpp byte_to_token: "<0xXX>", else the one-character token; it throws when neither exists,
            // here the unknown token stands in (or nothing, when there is none).
            int id = Vocab.IdOf($"<0x{b:X2}>");
            if (id < 0 && b < 0x80)
                id = Vocab.IdOf(((char)b).ToString());
            _byteTokens[b] = id >= 0 ? id : Vocab.UnkId;
        }
        _cutAtWords = !Vocab.Texts.Any(HasSpaceAfterOther);
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private static bool HasSpaceAfterOther(string t)
    {
        for (int i = 1; i < t.Length; i++)
            if (t[i] == Space && t[i - 1] != Space)
                return true;
        return false;
    }

    private protected override void EncodeText(ReadOnlySpan<char> text, List<int> output, bool afterSpecial)
    {
        // Escape: optional leading space, then ' ' -> U+2581.
        bool prefix = Spec.AddSpacePrefix && afterSpecial;
        int n = text.Length + (prefix ? 1 : 0);
        char[] buffer = System.Buffers.ArrayPool<char>.Shared.Rent(n);
        try
        {
            Span<char> escaped = buffer.AsSpan(0, n);
            if (prefix)
                escaped[0] = ' ';
            text.CopyTo(escaped[(prefix ? 1 : 0)..]);
            escaped.Replace(' ', Space);
            if (!_cutAtWords)
            {
                Merge(escaped, output);
                return;
            }
            // Words start at a U+2581 that follows another character.
            int start = 0;
            for (int i = 1; i <= n; i++)
            {
                if (i == n || (escaped[i] == Space && escaped[i - 1] != Space))
                {
                    EncodeWord(escaped[start..i], output);
                    start = i;
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private void EncodeWord(ReadOnlySpan<char> word, List<int> output)
    {
        if (word.Length > MaxCachedWordLength)
        {
            Merge(word, output);
            return;
        }
        if (_cacheLookup.TryGetValue(word, out int[]? ids))
        {
            output.AddRange(ids);
            return;
        }
        int before = output.Count;
        Merge(word, output);
        if (_cacheCount < MaxCacheEntries && _cache.TryAdd(word.ToString(), output.GetRange(before, output.Count - before).ToArray()))
            Interlocked.Increment(ref _cacheCount); // ConcurrentDictionary.Count takes every lock: too slow per word
    }

    // llama.cpp's session: symbols are code points linked in a list; a max-heap of candidate pairs ordered
    // by (token score desc, left position asc) drives the merges; stale pairs are skipped when popped.
    private void Merge(ReadOnlySpan<char> text, List<int> output)
    {
        var s = t_scratch ??= new SpmScratch();
        s.Reset(text.Length);
        for (int i = 0; i < text.Length;)
        {
            int len = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            s.AddSymbol(i, len);
            i += len;
        }
        for (int i = 1; i < s.Count; i++)
            TryAddPair(s, text, i - 1, i);

        while (s.TryPop(out var pair))
        {
            int l = pair.Left, r = pair.Right;
            if (s.Len[l] == 0 || s.Len[r] == 0 || s.Len[l] + s.Len[r] != pair.Size)
                continue; // one side changed since the pair was queued
            s.Len[l] += s.Len[r];
            s.Len[r] = 0;
            s.Next[l] = s.Next[r];
            if (s.Next[r] >= 0)
                s.Prev[s.Next[r]] = l;
            TryAddPair(s, text, s.Prev[l], l);
            TryAddPair(s, text, l, s.Next[l]);
        }

        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i != -1; i = s.Next[i])
        {
            var piece = text.Slice(s.Start[i], s.Len[i]);
            if (Vocab.Lookup.TryGetValue(piece, out int id))
            {
                output.Add(id);
                continue;
            }
            // Only single code points can be non-tokens here (every merge makes a token): emit their bytes.
            int count = Encoding.UTF8.GetBytes(piece, utf8);
            for (int b = 0; b < count; b++)
                if (_byteTokens[utf8[b]] >= 0)
                    output.Add(_byteTokens[utf8[b]]);
        }
    }

    private void TryAddPair(SpmScratch s, ReadOnlySpan<char> text, int left, int right)
    {
        if (left < 0 || right < 0)
            return;
        int start = s.Start[left], size = s.Len[left] + s.Len[right];
        if (Vocab.Lookup.TryGetValue(text.Slice(start, size), out int id))
            s.Push(new SpmScratch.Pair(left, right, Vocab.Scores[id], size));
    }
}
