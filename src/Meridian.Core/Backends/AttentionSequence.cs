// One sequence of a batched paged-attention call (vLLM's per-sequence metadata: query start, context
// length, block table offset): the four i32 of one row of PagedAttentionBatch.Sequences.
namespace Meridian.Core.Backends;

/// <summary>
/// Query rows [<see cref="QueryRow"/>, QueryRow + <see cref="QueryCount"/>) of the batch belong to one
/// sequence, at positions <see cref="StartPos"/>.. StartPos + QueryCount - 1. Its keys and values for
/// positions 0 .. StartPos + QueryCount - 1 live in the paged cache: position p is row
/// <c>blockTables[BlockTableOffset + p / blockSize] · blockSize + p % blockSize</c>.
/// Laid out as four i32, so a span of them is the bytes of a [S, 4] i32 tensor.
/// </summary>
public readonly record struct AttentionSequence(int QueryRow, int QueryCount, int StartPos, int BlockTableOffset)
{
    /// <summary>Positions the sequence attends over once these queries are in: StartPos + QueryCount.</summary>
    public int ContextLength => StartPos + QueryCount;
}
