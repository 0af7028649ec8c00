// Request-level side of the paged KV cache (vLLM v1 core/kv_cache_manager.py): prefix lookup on
// admission, growing a request's block table (with copy-on-write of shared blocks), registering newly
// full blocks in the prefix cache, and freeing a request's blocks.
using System.Diagnostics;

namespace Meridian.Engine.Scheduling;

/// <summary>Keeps every request's <see cref="SequenceRequest.Blocks"/> consistent with the pool's ref counts:
/// a block's ref count is the number of block tables that hold it.</summary>
internal sealed class KvCacheManager
{
    private readonly int _blockSize;
    private readonly bool _prefixCaching;

    public KvCacheManager(int numBlocks, int blockSize, bool prefixCaching)
    {
        Pool = new KvBlockPool(numBlocks, blockSize);
        _blockSize = blockSize;
        _prefixCaching = prefixCaching;
    }

    public KvBlockPool Pool { get; }

    public int BlockSize => _blockSize;

    /// <summary>
    /// Fills <paramref name="hits"/> with the cached blocks of the longest run of full leading blocks of the
    /// request's tokens. Never all tokens: at most (Tokens.Count - 1) / BlockSize blocks, so the last token is
    /// always computed (its logits give the next token). Takes no references.
    /// </summary>
    public void FindCachedPrefix(SequenceRequest request, List<int> hits)
    {
        hits.Clear();
        if (!_prefixCaching || request.ComputeWholePrompt)
            return;
        BlockHasher.ExtendHashes(request, _blockSize);
        int maxBlocks = (request.Tokens.Count - 1) / _blockSize;
        var tokens = request.TokenSpan;
        for (int i = 0; i < maxBlocks; i++)
        {
            UInt128 parent = i == 0 ? BlockHasher.Root : request.BlockHashes[i - 1];
            int block = Pool.Lookup(request.BlockHashes[i], parent, tokens.Slice(i * _blockSize, _blockSize));
            if (block < 0)
                break;
            hits.Add(block);
        }
    }

    /// <summary>
    /// Admits a request that holds no blocks: adopts <paramref name="hits"/> (from <see cref="FindCachedPrefix"/>)
    /// and allocates fresh blocks for <paramref name="newTokens"/> positions after them. All or nothing: false,
    /// with nothing changed, when the free queue cannot supply them.
    /// </summary>
    public bool TryAdmit(SequenceRequest request, IReadOnlyList<int> hits, int newTokens)
    {
        Debug.Assert(request.Blocks.Count == 0);
        int revived = 0;
        foreach (int block in hits)
        {
            if (Pool.RefCount(block) == 0)
                revived++;
        }
        int fresh = BlocksFor(hits.Count * _blockSize + newTokens) - hits.Count;
        if (revived + fresh > Pool.FreeCount)
            return false;
        // Touch the hits before allocating, so allocation cannot evict a block we are about to use.
        foreach (int block in hits)
        {
            Pool.Touch(block);
            request.Blocks.Add(block);
        }
        request.NumRegisteredBlocks = hits.Count;
        for (int i = 0; i < fresh; i++)
            request.Blocks.Add(Pool.Allocate());
        return true;
    }

    /// <summary>
    /// Makes the table of a request that holds blocks cover NumComputedTokens + <paramref name="newTokens"/>
    /// positions. A block those tokens write into that is not writable (shared or cached) is replaced by a fresh
    /// copy, appended to <paramref name="copies"/>. All or nothing, like <see cref="TryAdmit"/>.
    /// </summary>
    public bool TryAllocate(SequenceRequest request, int newTokens, List<BlockCopy> copies)
    {
        var blocks = request.Blocks;
        int start = request.NumComputedTokens;
        int required = BlocksFor(start + newTokens);
        int fresh = Math.Max(0, required - blocks.Count);
        int firstWritten = start / _blockSize;
        int lastExisting = Math.Min(required, blocks.Count);
        int copied = 0;
        for (int j = firstWritten; j < lastExisting; j++)
        {
            if (!Pool.IsWritable(blocks[j]))
                copied++;
        }
        if (fresh + copied > Pool.FreeCount)
            return false;
        for (int j = firstWritten; j < lastExisting; j++)
        {
            int old = blocks[j];
            if (Pool.IsWritable(old))
                continue;
            // Full registered blocks are never written again, so only shared partial blocks get here.
            Debug.Assert(j >= request.NumRegisteredBlocks);
            int copy = Pool.Allocate();
            copies.Add(new BlockCopy(old, copy));
            blocks[j] = copy;
            Pool.Release(old);
        }
        for (int i = 0; i < fresh; i++)
            blocks.Add(Pool.Allocate());
        return true;
    }

    /// <summary>Registers the request's blocks that became full of computed tokens since the last call.</summary>
    public void Commit(SequenceRequest request)
    {
        if (!_prefixCaching)
            return;
        int full = Math.Min(request.NumComputedTokens / _blockSize, request.Blocks.Count);
        if (full <= request.NumRegisteredBlocks)
            return;
        BlockHasher.ExtendHashes(request, _blockSize);
        var tokens = request.TokenSpan;
        for (int i = request.NumRegisteredBlocks; i < full; i++)
        {
            UInt128 parent = i == 0 ? BlockHasher.Root : request.BlockHashes[i - 1];
            Pool.Register(request.Blocks[i], request.BlockHashes[i], parent, tokens.Slice(i * _blockSize, _blockSize));
        }
        request.NumRegisteredBlocks = full;
    }

    /// <summary>Drops the request's references. The tail goes to the free queue first, so a request's last
    /// blocks (the least shareable) are evicted before its first ones (as vLLM does).</summary>
    public void Free(SequenceRequest request)
    {
        var blocks = request.Blocks;
        for (int i = blocks.Count - 1; i >= 0; i--)
            Pool.Release(blocks[i]);
        blocks.Clear();
        request.NumRegisteredBlocks = 0;
    }

    /// <summary>Gives <paramref name="child"/> the parent's block table, one more reference on each block.</summary>
    public void Share(SequenceRequest parent, SequenceRequest child)
    {
        Debug.Assert(child.Blocks.Count == 0);
        foreach (int block in parent.Blocks)
        {
            Pool.Touch(block);
            child.Blocks.Add(block);
        }
        child.NumRegisteredBlocks = parent.NumRegisteredBlocks;
        child.BlockHashes.AddRange(parent.BlockHashes);
    }

    private int BlocksFor(int positions) => (positions + _blockSize - 1) / _blockSize;
}
