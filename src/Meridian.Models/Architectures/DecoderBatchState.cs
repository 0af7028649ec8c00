// Paged KV cache, step inputs and step workspace of a decoder's forward pass (every architecture) (vLLM's KV cache tensors plus the
// model runner's input buffers): allocated once for the engine's lifetime, reused by every step. The step's
// integers (token ids, positions, slots, logit rows, sequences, block tables) live on the device as i32
// tensors, written once per step.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Models.Architectures;

/// <summary>
/// Buffers of a decoder's <see cref="ILanguageModel.ForwardBatch"/>. Per layer the keys and values of every block live in one
/// [NumBlocks·BlockSize, Hkv·Dh] tensor each, of the model's KV dtype: position p of a sequence is row
/// table[p / BlockSize]·BlockSize + p % BlockSize. Workspace rows: MaxTokens.
/// </summary>
public sealed class DecoderBatchState : BatchState
{
    private readonly List<IDeviceBuffer> _buffers = [];
    private readonly IDevice _device;

    internal DecoderBatchState(DecoderShape c, DType kvType, IDevice device, int numBlocks, int blockSize, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        if ((long)numBlocks * blockSize > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(numBlocks), $"{numBlocks} blocks of {blockSize} positions exceed {int.MaxValue} cache rows");
        _device = device;
        NumBlocks = numBlocks;
        BlockSize = blockSize;
        MaxTokens = maxTokens;
        Stream = device.CreateStream();
        int kv = c.KvHeads * c.HeadDim, rows = numBlocks * blockSize;
        Work = new DecoderWorkspace(c, device, maxTokens, _buffers);
        Tokens = Allocate(maxTokens, 1, DType.I32, BufferUsage.Scratch);
        Positions = Allocate(maxTokens, 1, DType.I32, BufferUsage.Scratch);
        Slots = Allocate(maxTokens, 1, DType.I32, BufferUsage.Scratch);
        LogitRows = Allocate(maxTokens, 1, DType.I32, BufferUsage.Scratch);
        Sequences = Allocate(maxTokens, 4, DType.I32, BufferUsage.Scratch); // a sequence has at least one token
        EnsureBlockTables(Math.Min(numBlocks, 64));
        KeyCache = new DeviceTensor[c.Layers];
        ValueCache = new DeviceTensor[c.Layers];
        for (int l = 0; l < KeyCache.Length; l++)
        {
            KeyCache[l] = Allocate(rows, kv, kvType, BufferUsage.KvCache);
            ValueCache[l] = Allocate(rows, kv, kvType, BufferUsage.KvCache);
        }
    }

    public override int NumBlocks { get; }

    public override int BlockSize { get; }

    public override int MaxTokens { get; }

    public override IComputeStream Stream { get; }

    internal DecoderWorkspace Work { get; }        // [MaxTokens, ·] activations of a step
    internal DeviceTensor Tokens { get; }        // [MaxTokens, 1] i32 token ids
    internal DeviceTensor Positions { get; }     // [MaxTokens, 1] i32 position of each token in its sequence
    internal DeviceTensor Slots { get; }         // [MaxTokens, 1] i32 KV cache row of each token
    internal DeviceTensor LogitRows { get; }     // [MaxTokens, 1] i32 rows whose logits are wanted
    internal DeviceTensor Sequences { get; }     // [MaxTokens, 4] i32 AttentionSequence rows
    internal DeviceTensor BlockTables { get; private set; } // [capacity, 1] i32, grown on demand
    internal DeviceTensor[] KeyCache { get; }    // per layer [NumBlocks·BlockSize, Hkv·Dh] f32 or f16
    internal DeviceTensor[] ValueCache { get; }  // per layer [NumBlocks·BlockSize, Hkv·Dh] f32 or f16

    /// <summary>Room for <paramref name="entries"/> block table entries: the tensor is replaced by a larger one when a step needs it (rare: it doubles).</summary>
    internal void EnsureBlockTables(int entries)
    {
        var old = BlockTables.Buffer; // null before the first call
        if (old is not null && BlockTables.Rows >= entries)
            return;
        int capacity = Math.Max(entries, old is null ? 0 : 2 * BlockTables.Rows);
        if (old is not null)
        {
            Stream.Synchronize(); // the old table may still be read by submitted work
            _buffers.Remove(old);
            old.Dispose();
        }
        BlockTables = Allocate(capacity, 1, DType.I32, BufferUsage.Scratch);
    }

    public override void CopyBlock(int source, int destination)
    {
        if ((uint)source >= (uint)NumBlocks || (uint)destination >= (uint)NumBlocks)
            throw new ArgumentOutOfRangeException(nameof(source), $"CopyBlock {source} -> {destination}: block ids must be in [0, {NumBlocks})");
        if (source == destination)
            return;
        for (int l = 0; l < KeyCache.Length; l++)
        {
            Stream.Copy(KeyCache[l].SliceRows(source * BlockSize, BlockSize), KeyCache[l].SliceRows(destination * BlockSize, BlockSize));
            Stream.Copy(ValueCache[l].SliceRows(source * BlockSize, BlockSize), ValueCache[l].SliceRows(destination * BlockSize, BlockSize));
        }
    }

    public override void Dispose()
    {
        Stream.Dispose();
        foreach (var b in _buffers)
            b.Dispose();
        _buffers.Clear();
    }

    private DeviceTensor Allocate(int rows, int cols, DType type, BufferUsage usage)
    {
        var buffer = _device.Allocate(type.ByteSize((long)rows * cols), usage);
        _buffers.Add(buffer);
        return new DeviceTensor(buffer, 0, type, rows, cols);
    }
}
