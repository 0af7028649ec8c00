// One sequence of a batched paged-attention call (vLLM's per-sequence metadata: query start, context
// length, block table), as plain numbers so a backend can copy it to its device as-is.
namespace Meridian.Core.Backends;

/// <summary>
/// Query rows [<see cref="QueryRow"/>, QueryRow + <see cref="QueryCount"/>) of the batch belong to one
/// sequence, at positions <see cref="StartPos"/>.. StartPos + QueryCount - 1. Its keys and values for
/// positions 0 .. StartPos + QueryCount - 1 live in the paged cache: position p is row
/// <c>blockTables[BlockTableOffset + p / blockSize] · blockSize + p % blockSize</c>.
/// </summary>
public readonly record struct AttentionSequence(int QueryRow, int QueryCount, int StartPos, int BlockTableOffset)
{
    /// <summary>Positions the sequence attends over once these queries are in: StartPos + QueryCount.</summary>
    public int ContextLength => StartPos + QueryCount;
}
