// Byte-level BPE with llama.cpp's results (llm_tokenizer_bpe_session, src/llama-vocab.cpp). Not Microsoft.ML.Tokenizers'
// BpeTokenizer: it has no ignore_merges (Llama 3 "Cửa Việt" comes out wrong), one regex only (DeepSeek, Falcon,
// StarCoder chain several), and was 4x slower on War and Peace (qwen2 warm: 5.3 vs 20 M tokens/s).
using System.Collections.Concurrent;
using System.Text;
using Meridian.Tokenizers.PreTokenization;

namespace Meridian.Tokenizers;

// The pre-tokenizer cuts text into words; each word's UTF-8 bytes start as one symbol each and the adjacent
// pair with the lowest merge rank merges first (leftmost on ties); a final symbol that is no token falls
// back to its one-character tokens.
internal sealed class ByteLevelBpeTokenizer : Tokenizer
{
    private const int Dead = -1;
    private const int MaxCachedWordLength = 128;
    private const int MaxCacheEntries = 1 << 17;

    private readonly PreTokenizer _pre;
    private readonly bool _ignoreMerges;
    // Symbols: ids below VocabSize are tokens; above are strings that merges produce but the vocabulary lacks.
    private readonly int[] _byteSymbol = new int[256];
    private readonly int[] _fallbackToken = new int[256];
    private readonly List<byte[]> _extraSymbolBytes = [];
    private readonly Dictionary<long, (int Rank, int Merged)> _merges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheCount;

    [ThreadStatic] private static BpeScratch? t_scratch;

    public ByteLevelBpeTokenizer(TokenizerSpec spec) : base(spec)
    {
        var regexes = spec.PreRegexes ?? BpePreTokenizers.Get(spec.Pre ?? "default").Regexes;
        _pre = PreTokenizer.Create(regexes);
        _ignoreMerges = spec.IgnoreMerges;
        var merges = spec.Merges ?? throw new TokenizerException("a byte-level BPE tokenizer needs merges (tokenizer.ggml.merges)");

        var extraIds = new Dictionary<string, int>(StringComparer.Ordinal);
        int SymbolOf(string text)
        {
            int id = Vocab.IdOf(text);
            if (id >= 0)
                return id;
            if (!extraIds.TryGetValue(text, out id))
            {
                id = Vocab.Count + _extraSymbolBytes.Count;
                extraIds.Add(text, id);
                _extraSymbolBytes.Add(AlphabetBytes(text));
            }
            return id;
        }

        for (int b = 0; b < 256; b++)
        {
            char c = ByteLevelAlphabet.ByteToChar[b];
            _byteSymbol[b] = SymbolOf(c.ToString());
            // llama.cpp falls back byte by byte over the symbol's UTF-8 text, so only ASCII alphabet characters find a token.
            _fallbackToken[b] = c < 0x80 ? Vocab.IdOf(c.ToString()) : -1;
        }

        _merges = new Dictionary<long, (int, int)>(merges.Count, PairKeyComparer.Instance);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            string m = merges[rank] ?? throw new TokenizerException($"merge {rank} is null");
            int space = m.Length > 1 ? m.IndexOf(' ', 1) : -1;
            if (space < 0)
                continue; // llama.cpp keeps it as an ("", "") pair that can never apply
            string left = m[..space], right = m[(space + 1)..];
            int l = SymbolOf(left), r = SymbolOf(right), merged = SymbolOf(left + right);
            _merges.TryAdd(Key(l, r), (rank, merged)); // the first (best) rank of a repeated pair wins
        }
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    // long's own hash is high ^ low, which sends many (left, right) pairs to one bucket; mix the bits instead.
    private sealed class PairKeyComparer : IEqualityComparer<long>
    {
        public static readonly PairKeyComparer Instance = new();
        public bool Equals(long a, long b) => a == b;
        public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
    }

    // The bytes an alphabet string stands for; characters outside the alphabet cannot come from input bytes.
    private static byte[] AlphabetBytes(string text)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            int b = ByteLevelAlphabet.CharToByte(text[i]);
            bytes[i] = b < 0 ? (byte)0 : (byte)b;
        }
        return bytes;
    }

    private protected override void EncodeText(ReadOnlySpan<char> text, List<int> output, bool afterSpecial)
    {
        var s = t_scratch ??= new BpeScratch();
        var words = s.Words;
        _pre.Split(text, words, s.Segments);
        foreach (var w in words)
            EncodeWord(text.Slice(w.Start, w.Length), output, s);
    }

    private void EncodeWord(ReadOnlySpan<char> word, List<int> output, BpeScratch s)
    {
        bool cacheable = word.Length <= MaxCachedWordLength;
        if (cacheable && _cacheLookup.TryGetValue(word, out int[]? cached))
        {
            output.AddRange(cached);
            return;
        }
        int before = output.Count;
        MergeWord(word, output, s);
        if (cacheable && _cacheCount < MaxCacheEntries && _cache.TryAdd(word.ToString(), output.GetRange(before, output.Count - before).ToArray()))
            Interlocked.Increment(ref _cacheCount); // ConcurrentDictionary.Count takes every lock: too slow per word
    }

    private void MergeWord(ReadOnlySpan<char> word, List<int> output, BpeScratch s)
    {
        Span<byte> bytes = s.BytesFor(Encoding.UTF8.GetMaxByteCount(word.Length));
        int n = Encoding.UTF8.GetBytes(word, bytes);
        bytes = bytes[..n];

        if (_ignoreMerges)
        {
            Span<char> alphabet = n <= 256 ? stackalloc char[n] : new char[n];
            for (int i = 0; i < n; i++)
                alphabet[i] = ByteLevelAlphabet.ByteToChar[bytes[i]];
            if (Vocab.Lookup.TryGetValue(alphabet, out int whole))
            {
                output.Add(whole);
                return;
            }
        }

        s.Reset(n);
        int[] id = s.Id, prev = s.Prev, next = s.Next;
        for (int i = 0; i < n; i++)
        {
            id[i] = _byteSymbol[bytes[i]];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        for (int i = 1; i < n; i++)
            TryAddPair(s, i - 1, i);

        while (s.TryPop(out var p))
        {
            if (id[p.Left] != p.LeftId || id[p.Right] != p.RightId)
                continue; // a side merged or died since the pair was queued
            id[p.Left] = p.Merged;
            id[p.Right] = Dead;
            int after = next[p.Right];
            next[p.Left] = after;
            if (after >= 0)
                prev[after] = p.Left;
            TryAddPair(s, prev[p.Left], p.Left);
            TryAddPair(s, p.Left, after);
        }

        for (int i = 0; i != -1; i = next[i])
        {
            int sym = id[i];
            if (sym < Vocab.Count)
            {
                output.Add(sym);
                continue;
            }
            foreach (byte b in _extraSymbolBytes[sym - Vocab.Count])
                if (_fallbackToken[b] >= 0)
                    output.Add(_fallbackToken[b]);
        }
    }

    private void TryAddPair(BpeScratch s, int left, int right)
    {
        if (left < 0 || right < 0)
            return;
        int l = s.Id[left], r = s.Id[right];
        if (_merges.TryGetValue(Key(l, r), out var m))
            s.Push(new BpeScratch.Pair(m.Rank, left, right, l, r, m.Merged));
    }
}
