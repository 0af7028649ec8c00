// The paged KV cache's block pool (vLLM v1 core/block_pool.py): ref counts, the LRU free queue and the
// prefix-cache map from chained block hash to block id. Blocks only; requests live in KvCacheManager.
namespace Meridian.Engine.Scheduling;

/// <summary>
/// Invariants: a block is in the free queue iff its ref count is 0; a block with a hash is in the map
/// under that hash (and only it); a freed block keeps its hash (still hittable) until allocation pops it
/// from the queue head, which evicts the hash: least recently freed goes first.
/// </summary>
internal sealed class KvBlockPool
{
    private readonly int _blockSize;
    private readonly int[] _refCount;          // [NumBlocks]
    private readonly bool[] _hashed;           // [NumBlocks] registered in the prefix cache
    private readonly UInt128[] _hash;          // [NumBlocks] valid where _hashed
    private readonly UInt128[] _parentHash;    // [NumBlocks] valid where _hashed; verified on a hit
    private readonly int[] _tokens;            // [NumBlocks * BlockSize] token ids of hashed blocks, verified on a hit
    private readonly Dictionary<UInt128, int> _cached = [];
    private readonly FreeBlockQueue _free;

    public KvBlockPool(int numBlocks, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        NumBlocks = numBlocks;
        _blockSize = blockSize;
        _refCount = new int[numBlocks];
        _hashed = new bool[numBlocks];
        _hash = new UInt128[numBlocks];
        _parentHash = new UInt128[numBlocks];
        _tokens = new int[checked(numBlocks * blockSize)];
        _free = new FreeBlockQueue(numBlocks);
    }

    public int NumBlocks { get; }

    /// <summary>Blocks with ref count 0 (including cached ones a hit could still revive).</summary>
    public int FreeCount => _free.Count;

    public int UsedCount => NumBlocks - _free.Count;

    /// <summary>Blocks registered in the prefix cache (referenced or not).</summary>
    public int CachedCount => _cached.Count;

    public int RefCount(int block) => _refCount[block];

    public bool IsCached(int block) => _hashed[block];

    public bool IsFree(int block) => _free.Contains(block);

    /// <summary>Free queue head to tail: the order in which blocks will be reused.</summary>
    public IEnumerable<int> FreeOrder => _free.Enumerate();

    /// <summary>A block may be written in place only when nobody else reads it and no future hit expects its contents.</summary>
    public bool IsWritable(int block) => _refCount[block] == 1 && !_hashed[block];

    /// <summary>Pops the least recently freed block, evicting its prefix-cache entry, with ref count 1.</summary>
    public int Allocate()
    {
        int block = _free.PopFront();
        if (_hashed[block])
        {
            _cached.Remove(_hash[block]);
            _hashed[block] = false;
        }
        _refCount[block] = 1;
        return block;
    }

    /// <summary>Takes one more reference on <paramref name="block"/>, reviving it from the free queue if it was unreferenced.</summary>
    public void Touch(int block)
    {
        if (_refCount[block] == 0)
            _free.Remove(block);
        _refCount[block]++;
    }

    /// <summary>Drops one reference; at 0 the block goes to the free queue's tail, keeping its hash.</summary>
    public void Release(int block)
    {
        if (_refCount[block] <= 0)
            throw new InvalidOperationException($"KV block {block} released more often than taken");
        if (--_refCount[block] == 0)
            _free.Append(block);
    }

    /// <summary>The cached block whose hash is <paramref name="hash"/> and whose parent hash and tokens match, or -1.</summary>
    public int Lookup(UInt128 hash, UInt128 parent, ReadOnlySpan<int> tokens)
    {
        if (!_cached.TryGetValue(hash, out int block))
            return -1;
        // A 128-bit collision is astronomically unlikely; checking costs one block compare per hit.
        if (_parentHash[block] != parent || !tokens.SequenceEqual(_tokens.AsSpan(block * _blockSize, _blockSize)))
            return -1;
        return block;
    }

    /// <summary>Registers a full, computed block. False (nothing changes) when another block already holds this
    /// hash (two requests computed the same prefix side by side) or the block is already registered.</summary>
    public bool Register(int block, UInt128 hash, UInt128 parent, ReadOnlySpan<int> tokens)
    {
        if (tokens.Length != _blockSize)
            throw new ArgumentException($"a cached block holds {_blockSize} tokens, got {tokens.Length}", nameof(tokens));
        if (_hashed[block] || _refCount[block] == 0 || !_cached.TryAdd(hash, block))
            return false;
        _hashed[block] = true;
        _hash[block] = hash;
        _parentHash[block] = parent;
        tokens.CopyTo(_tokens.AsSpan(block * _blockSize, _blockSize));
        return true;
    }

    /// <summary>Whether <paramref name="block"/> is the map's entry for its own hash (invariant checks).</summary>
    public bool MapEntryMatches(int block) =>
        _hashed[block] && _cached.TryGetValue(_hash[block], out int mapped) && mapped == block;
}
