// Per-thread working memory of the SentencePiece-BPE merge loop: the symbol list and the pair heap,
// reused between calls so encoding does not allocate per merge.
namespace Meridian.Tokenizers;

internal sealed class SpmScratch
{
    /// <summary>A candidate merge of symbols Left and Right whose joined text (Size chars) is a token with Score.</summary>
    public readonly record struct Pair(int Left, int Right, float Score, int Size) : IMergeOrder<Pair>
    {
        // Max-heap order: higher score first, then the leftmost pair (llama.cpp llm_bigram_spm::comparator).
        public static bool Before(in Pair a, in Pair b) => a.Score > b.Score || (a.Score == b.Score && a.Left < b.Left);
    }

    public int[] Start = new int[64], Len = new int[64], Prev = new int[64], Next = new int[64];
    public int Count;
    private readonly MergeHeap<Pair> _heap = new(64);

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
        _heap.Clear();
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

    public void Push(Pair p) => _heap.Push(p);

    public bool TryPop(out Pair top) => _heap.TryPop(out top);
}
