// One engine step's input to a batched forward pass (vLLM's input batch): the tokens of every
// scheduled sequence back to back, their positions and KV-cache slots, each sequence's block table,
// and which rows want logits. Arrays are allocated once and refilled each step (no per-step garbage).
using Meridian.Core.Backends;

namespace Meridian.Models;

/// <summary>
/// Reusable input of <see cref="ILanguageModel.ForwardBatch"/>. Call <see cref="Clear"/>, then
/// <see cref="AddSequence"/> once per scheduled sequence chunk.
/// </summary>
public sealed class BatchInput
{
    private readonly int _blockSize;

    /// <summary>Room for <paramref name="maxTokens"/> tokens, <paramref name="maxSequences"/> sequences and
    /// block tables of up to <paramref name="maxBlocksPerSequence"/> entries each.</summary>
    public BatchInput(int maxTokens, int maxSequences, int maxBlocksPerSequence, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlocksPerSequence, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _blockSize = blockSize;
        Tokens = new int[maxTokens];
        Positions = new int[maxTokens];
        Slots = new int[maxTokens];
        LogitRows = new int[maxTokens];
        Sequences = new AttentionSequence[maxSequences];
        BlockTables = new int[maxSequences * maxBlocksPerSequence];
    }

    /// <summary>Tokens per position of the KV cache block.</summary>
    public int BlockSize => _blockSize;

    /// <summary>[TokenCount] token ids, sequence after sequence.</summary>
    public int[] Tokens { get; }

    /// <summary>[TokenCount] position of each token in its sequence.</summary>
    public int[] Positions { get; }

    /// <summary>[TokenCount] KV-cache row each token's key and value go to.</summary>
    public int[] Slots { get; }

    /// <summary>[LogitCount] token rows (indices into <see cref="Tokens"/>) whose logits are produced, in order.</summary>
    public int[] LogitRows { get; }

    /// <summary>[SequenceCount] where each sequence's queries and block table are.</summary>
    public AttentionSequence[] Sequences { get; }

    /// <summary>[BlockTableLength] the sequences' block tables back to back.</summary>
    public int[] BlockTables { get; }

    public int TokenCount { get; private set; }

    public int SequenceCount { get; private set; }

    public int LogitCount { get; private set; }

    public int BlockTableLength { get; private set; }

    /// <summary>Empties the batch.</summary>
    public void Clear() => TokenCount = SequenceCount = LogitCount = BlockTableLength = 0;

    /// <summary>
    /// Adds <paramref name="tokens"/> of one sequence at positions startPos.. . <paramref name="blockTable"/>
    /// must cover every position up to startPos + tokens.Length - 1. With <paramref name="logits"/> = Last
    /// the last token's logits are produced; All gives every token's (prompt logprobs); None gives none (a
    /// middle chunk of a long prompt).
    /// </summary>
    public void AddSequence(ReadOnlySpan<int> tokens, int startPos, ReadOnlySpan<int> blockTable, LogitSelection logits)
    {
        if (tokens.IsEmpty)
            throw new ArgumentException("a scheduled sequence chunk has no tokens", nameof(tokens));
        ArgumentOutOfRangeException.ThrowIfNegative(startPos);
        int end = startPos + tokens.Length;
        int blocksNeeded = (end + _blockSize - 1) / _blockSize;
        if (blockTable.Length < blocksNeeded)
            throw new ArgumentException($"positions up to {end - 1} need {blocksNeeded} blocks of {_blockSize}, the table has {blockTable.Length}", nameof(blockTable));
        if (TokenCount + tokens.Length > Tokens.Length)
            throw new InvalidOperationException($"the batch holds at most {Tokens.Length} tokens");
        if (SequenceCount == Sequences.Length)
            throw new InvalidOperationException($"the batch holds at most {Sequences.Length} sequences");
        if (BlockTableLength + blocksNeeded > BlockTables.Length)
            throw new InvalidOperationException($"the batch's block tables hold at most {BlockTables.Length} entries");

        int row0 = TokenCount;
        Sequences[SequenceCount++] = new AttentionSequence(row0, tokens.Length, startPos, BlockTableLength);
        blockTable[..blocksNeeded].CopyTo(BlockTables.AsSpan(BlockTableLength));
        BlockTableLength += blocksNeeded;
        for (int i = 0; i < tokens.Length; i++)
        {
            int p = startPos + i;
            Tokens[row0 + i] = tokens[i];
            Positions[row0 + i] = p;
            Slots[row0 + i] = blockTable[p / _blockSize] * _blockSize + p % _blockSize;
        }
        TokenCount += tokens.Length;
        if (logits == LogitSelection.Last)
            LogitRows[LogitCount++] = TokenCount - 1;
        else if (logits == LogitSelection.All)
        {
            for (int i = row0; i < TokenCount; i++)
                LogitRows[LogitCount++] = i;
        }
    }
}

/// <summary>Which of a sequence chunk's tokens get logits.</summary>
public enum LogitSelection
{
    None,
    Last,
    All,
}
