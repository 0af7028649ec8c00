// Per-thread working memory of byte-level BPE: pre-tokenizer word lists, the word's UTF-8 bytes, the
// symbol list and the merge heap, reused between calls so encoding does not allocate per word or merge.
using Meridian.Tokenizers.PreTokenization;

namespace Meridian.Tokenizers;

internal sealed class BpeScratch
{
    /// <summary>A candidate merge of adjacent symbols Left, Right (ids LeftId, RightId) into Merged, by Rank.</summary>
    public readonly record struct Pair(int Rank, int Left, int Right, int LeftId, int RightId, int Merged) : IMergeOrder<Pair>
    {
        // Min-heap order: lowest rank first, then the leftmost pair (llama.cpp llm_bigram_bpe::comparator).
        public static bool Before(in Pair a, in Pair b) => a.Rank < b.Rank || (a.Rank == b.Rank && a.Left < b.Left);
    }

    public readonly List<Segment> Words = new(256);
    public readonly List<Segment> Segments = new(256);
    public byte[] Bytes = new byte[256];
    public int[] Id = new int[256], Prev = new int[256], Next = new int[256];
    private readonly MergeHeap<Pair> _heap = new(256);

    public void Reset(int symbols)
    {
        if (Id.Length < symbols)
        {
            int n = Math.Max(symbols, Id.Length * 2);
            Id = new int[n];
            Prev = new int[n];
            Next = new int[n];
        }
        _heap.Clear();
    }

    public Span<byte> BytesFor(int count)
    {
        if (Bytes.Length < count)
            Bytes = new byte[Math.Max(count, Bytes.Length * 2)];
        return Bytes.AsSpan(0, count);
    }

    public void Push(Pair p) => _heap.Push(p);

    public bool TryPop(out Pair top) => _heap.TryPop(out top);
}
