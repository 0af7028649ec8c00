// Paged KV cache and step workspace of the batched Llama forward pass (vLLM's KV cache tensors plus the
// model runner's input buffers): allocated once for the engine's lifetime, reused by every step.
using Meridian.Core.Backends;

namespace Meridian.Models.Llama;

/// <summary>
/// Buffers of <see cref="LlamaModel.ForwardBatch"/>. Per layer the keys and values of every block live in
/// one [NumBlocks·BlockSize, Hkv·Dh] f32 tensor each: position p of a sequence is row
/// table[p / BlockSize]·BlockSize + p % BlockSize. Workspace rows: MaxTokens.
/// </summary>
public sealed class LlamaBatchState : BatchState
{
    private readonly List<IDeviceBuffer> _buffers = [];

    internal LlamaBatchState(LlamaConfig c, IDevice device, int numBlocks, int blockSize, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        if ((long)numBlocks * blockSize > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(numBlocks), $"{numBlocks} blocks of {blockSize} positions exceed {int.MaxValue} cache rows");
        NumBlocks = numBlocks;
        BlockSize = blockSize;
        MaxTokens = maxTokens;
        Stream = device.CreateStream();
        int kv = c.NumKeyValueHeads * c.HeadDim, rows = numBlocks * blockSize;
        Work = new LlamaWorkspace(c, device, maxTokens, _buffers);
        KeyCache = new DeviceTensor[c.NumHiddenLayers];
        ValueCache = new DeviceTensor[c.NumHiddenLayers];
        for (int l = 0; l < KeyCache.Length; l++)
        {
            KeyCache[l] = LlamaWorkspace.Allocate(device, _buffers, rows, kv, BufferUsage.KvCache);
            ValueCache[l] = LlamaWorkspace.Allocate(device, _buffers, rows, kv, BufferUsage.KvCache);
        }
    }

    public override int NumBlocks { get; }

    public override int BlockSize { get; }

    public override int MaxTokens { get; }

    public override IComputeStream Stream { get; }

    internal LlamaWorkspace Work { get; }  // [MaxTokens, ·] activations of a step
    internal DeviceTensor[] KeyCache { get; }   // per layer [NumBlocks·BlockSize, Hkv·Dh] f32
    internal DeviceTensor[] ValueCache { get; } // per layer [NumBlocks·BlockSize, Hkv·Dh] f32

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
}
