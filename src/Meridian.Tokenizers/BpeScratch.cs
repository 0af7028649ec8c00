// Per-thread working memory of byte-level BPE: pre-tokenizer word lists, the word's UTF-8 bytes, the
// symbol list and the merge heap, reused between calls so encoding does not allocate per word or merge.
using Meridian.Tokenizers.PreTokenization;

namespace Meridian.Tokenizers;

internal sealed class BpeScratch
{
    /// <summary>A candidate merge of adjacent symbols Left, Right (ids LeftId, RightId) into Merged, by Rank.</summary>
    public readonly record struct Pair(int Rank, int Left, int Right, int LeftId, int RightId, int Merged);

    public readonly List<Segment> Words = new(256);
    public readonly List<Segment> Segments = new(256);
    public byte[] Bytes = new byte[256];
    public int[] Id = new int[256], Prev = new int[256], Next = new int[256];
    private Pair[] _heap = new Pair[256];
    private int _heapCount;

    public void Reset(int symbols)
    {
        if (Id.Length < symbols)
        {
            int n = Math.Max(symbols, Id.Length * 2);
            Id = new int[n];
            Prev = new int[n];
            Next = new int[n];
        }
        _heapCount = 0;
    }

    public Span<byte> BytesFor(int count)
    {
        if (Bytes.Length < count)
            Bytes = new byte[Math.Max(count, Bytes.Length * 2)];
        return Bytes.AsSpan(0, count);
    }

    // Min-heap order: lowest rank first, then the leftmost pair (llama.cpp llm_bigram_bpe::comparator).
    private static bool Before(in Pair a, in Pair b) => a.Rank < b.Rank || (a.Rank == b.Rank && a.Left < b.Left);

    public void Push(Pair p)
    {
        if (_heapCount == _heap.Length)
            Array.Resize(ref _heap, _heap.Length * 2);
        int i = _heapCount++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Before(p, _heap[parent]))
                break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = p;
    }

    public bool TryPop(out Pair top)
    {
        if (_heapCount == 0)
        {
            top = default;
            return false;
        }
        top = _heap[0];
        Pair last = _heap[--_heapCount];
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _heapCount)
                break;
            if (child + 1 < _heapCount && Before(_heap[child + 1], _heap[child]))
                child++;
            if (!Before(_heap[child], last))
                break;
            _heap[i] = _heap[child];
            i = child;
        }
        if (_heapCount > 0)
            _heap[i] = last;
        return true;
    }
}
