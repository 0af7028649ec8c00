// A binary heap of merge candidates, reused between calls so the BPE merge loops allocate nothing
// per merge. The order comes from the item type (a static abstract method), so the comparison
// inlines on the hot path; BpeScratch and SpmScratch differ only in that order.
namespace Meridian.Tokenizers;

/// <summary>A heap item that knows which of two items is popped first.</summary>
internal interface IMergeOrder<T> where T : struct
{
    /// <summary>True when <paramref name="a"/> must be popped before <paramref name="b"/>.</summary>
    static abstract bool Before(in T a, in T b);
}

/// <summary>Binary heap over <typeparamref name="T"/>, popping in <see cref="IMergeOrder{T}.Before"/> order.</summary>
internal sealed class MergeHeap<T>(int capacity) where T : struct, IMergeOrder<T>
{
    private T[] _items = new T[capacity];
    private int _count;

    public void Clear() => _count = 0;

    public void Push(T item)
    {
        if (_count == _items.Length)
            Array.Resize(ref _items, _items.Length * 2);
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!T.Before(item, _items[parent]))
                break;
            _items[i] = _items[parent];
            i = parent;
        }
        _items[i] = item;
    }

    public bool TryPop(out T top)
    {
        if (_count == 0)
        {
            top = default;
            return false;
        }
        top = _items[0];
        T last = _items[--_count];
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _count)
                break;
            if (child + 1 < _count && T.Before(_items[child + 1], _items[child]))
                child++;
            if (!T.Before(_items[child], last))
                break;
            _items[i] = _items[child];
            i = child;
        }
        if (_count > 0)
            _items[i] = last;
        return true;
    }
}
