// Prefix-cache hash of a full KV block (vLLM v1 kv_cache_utils.hash_block_tokens): XXH128 over the
// parent block's hash and this block's token ids, so equal hashes mean equal whole prefixes.
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Meridian.Engine.Scheduling;

/// <summary>Chained 128-bit block hashes. The pool still compares stored tokens and parent hash on a hit.</summary>
internal static class BlockHasher
{
    /// <summary>Parent hash of a sequence's first block (an arbitrary constant, not 0, so "no parent" is not a
    /// hash a real block could plausibly chain from).</summary>
    public static readonly UInt128 Root = new(0x6d6572696469616eUL, 0x707265666978_0001UL);

    /// <summary>Hash of a block holding <paramref name="tokens"/> after a prefix whose last block hashed to <paramref name="parent"/>.</summary>
    public static UInt128 Hash(UInt128 parent, ReadOnlySpan<int> tokens)
    {
        Span<byte> head = stackalloc byte[16];
        MemoryMarshal.Write(head, in parent);
        var hasher = new XxHash128();
        hasher.Append(head);
        hasher.Append(MemoryMarshal.AsBytes(tokens));
        return hasher.GetCurrentHashAsUInt128();
    }

    /// <summary>Extends <paramref name="request"/>'s hash list to every full block of its tokens.</summary>
    public static void ExtendHashes(SequenceRequest request, int blockSize)
    {
        var hashes = request.BlockHashes;
        int fullBlocks = request.Tokens.Count / blockSize;
        var tokens = request.TokenSpan;
        for (int i = hashes.Count; i < fullBlocks; i++)
        {
            UInt128 parent = i == 0 ? Root : hashes[i - 1];
            hashes.Add(Hash(parent, tokens.Slice(i * blockSize, blockSize)));
        }
    }
}
