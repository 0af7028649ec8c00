// Where a step's sequences are in the paged KV cache, as device tensors written once per step (vLLM's
// attention metadata): the same two tensors serve every layer's attention call.
namespace Meridian.Core.Backends;

/// <summary>
/// <see cref="Sequences"/>: [S, 4] i32, one <see cref="AttentionSequence"/> per row (QueryRow, QueryCount,
/// StartPos, BlockTableOffset); <see cref="BlockTables"/>: [N, 1] i32, the sequences' block tables back to back.
/// Position p of sequence s is cache row BlockTables[s.BlockTableOffset + p / BlockSize]·BlockSize + p % BlockSize.
/// <see cref="MaxContextLength"/>: the longest StartPos + QueryCount among the sequences, known to the host
/// that built the step, so a device can size its scratch without reading the tensors back.
/// </summary>
public readonly record struct PagedAttentionBatch(DeviceTensor Sequences, DeviceTensor BlockTables, int BlockSize, int MaxContextLength);
