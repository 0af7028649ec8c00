// Per-thread working memory of the SentencePiece-BPE merge loop: the symbol list and the pair heap,
// reused between calls so encoding does not allocate per merge.
namespace Meridian.Tokenizers;

internal sealed class SpmScratch
{
    /// <summary>A candidate merge of symbols Left and Right whose joined text (Size chars) is a token with Score.</summary>
    public readonly record struct Pair(int Left, int Right, float Score, int Size);

    public int[] Start = new int[64], Len = new int[64], Prev = new int[64], Next = new int[64];
    public int Count;
    private Pair[] _heap = new Pair[64];
    private int _heapCount;

    public void Reset(int capacity)
    {
        if (Start.Length < capacity)
        {
            int n = Math.Max(capacity, Start.Length * 2);
            Start = new int[n];
            Len = new int[n];
            Prev = new int[n];
            Next = new int[n];
        }
        Count = 0;
        _heapCount = 0;
    }

    /// <summary>Appends a symbol and links it after the previous one.</summary>
    public void AddSymbol(int start, int length)
    {
        int i = Count++;
        Start[i] = start;
        Len[i] = length;
        Prev[i] = i - 1;
        Next[i] = -1;
        if (i > 0)
            Next[i - 1] = i;
    }

    // Max-heap order: higher score first, then the leftmost pair (llama.cpp llm_bigram_spm::comparator).
    private static bool Before(in Pair a, in Pair b) => a.Score > b.Score || (a.Score == b.Score && a.Left < b.Left);

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
