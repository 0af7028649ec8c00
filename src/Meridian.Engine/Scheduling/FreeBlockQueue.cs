// The free list of the KV block pool (vLLM v1 kv_cache_utils.FreeKVCacheBlockQueue): a doubly linked
// list over block ids in two int arrays, so a cached block can leave the middle in O(1) when a prefix
// hit revives it, and allocation pops the least recently freed block from the head (LRU eviction).
namespace Meridian.Engine.Scheduling;

/// <summary>Ordered set of block ids: append at the tail, pop at the head, remove anywhere, all O(1).</summary>
internal sealed class FreeBlockQueue
{
    private const int None = -1;
    private readonly int[] _prev;   // [NumBlocks] previous block in the queue, None at the head
    private readonly int[] _next;   // [NumBlocks] next block in the queue, None at the tail
    private readonly bool[] _queued; // [NumBlocks]
    private int _head = None, _tail = None;

    /// <summary>A queue holding 0, 1, ..., numBlocks - 1 in that order.</summary>
    public FreeBlockQueue(int numBlocks)
    {
        _prev = new int[numBlocks];
        _next = new int[numBlocks];
        _queued = new bool[numBlocks];
        for (int b = 0; b < numBlocks; b++)
            Append(b);
    }

    public int Count { get; private set; }

    public bool Contains(int block) => _queued[block];

    /// <summary>Puts <paramref name="block"/> at the tail (most recently freed: evicted last).</summary>
    public void Append(int block)
    {
        if (_queued[block])
            throw new InvalidOperationException($"block {block} is already free");
        _queued[block] = true;
        _prev[block] = _tail;
        _next[block] = None;
        if (_tail == None)
            _head = block;
        else
            _next[_tail] = block;
        _tail = block;
        Count++;
    }

    /// <summary>Takes the head (least recently freed) block.</summary>
    public int PopFront()
    {
        if (_head == None)
            throw new InvalidOperationException("no free KV block");
        int block = _head;
        Remove(block);
        return block;
    }

    /// <summary>Takes <paramref name="block"/> out of the queue wherever it is.</summary>
    public void Remove(int block)
    {
        if (!_queued[block])
            throw new InvalidOperationException($"block {block} is not free");
        int prev = _prev[block], next = _next[block];
        if (prev == None) _head = next; else _next[prev] = next;
        if (next == None) _tail = prev; else _prev[next] = prev;
        _queued[block] = false;
        Count--;
    }

    /// <summary>The queue head to tail (tests and invariant checks).</summary>
    public IEnumerable<int> Enumerate()
    {
        for (int b = _head; b != None; b = _next[b])
            yield return b;
    }
}
