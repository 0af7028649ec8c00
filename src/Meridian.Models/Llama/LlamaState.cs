// KV cache and workspace of one Llama sequence (llama2.c RunState): allocated once, reused per step.
using Meridian.Core.Backends;

namespace Meridian.Models.Llama;

/// <summary>Buffers of one sequence. B = MaxBatch rows of workspace; caches hold Capacity positions.</summary>
public sealed class LlamaState : ModelState
{
    private readonly List<IDeviceBuffer> _buffers = [];

    internal LlamaState(LlamaConfig c, IDevice device, int capacity, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        Capacity = capacity;
        MaxBatch = maxBatch;
        Stream = device.CreateStream();
        int kv = c.NumKeyValueHeads * c.HeadDim;
        Work = new LlamaWorkspace(c, device, maxBatch, _buffers);
        Keys = new DeviceTensor[c.NumHiddenLayers];
        Values = new DeviceTensor[c.NumHiddenLayers];
        for (int l = 0; l < Keys.Length; l++)
        {
            Keys[l] = LlamaWorkspace.Allocate(device, _buffers, capacity, kv, BufferUsage.KvCache);
            Values[l] = LlamaWorkspace.Allocate(device, _buffers, capacity, kv, BufferUsage.KvCache);
        }
    }

    public override int Capacity { get; }

    public override int MaxBatch { get; }

    public override IComputeStream Stream { get; }

    internal LlamaWorkspace Work { get; }  // [B, ·] activations of a chunk
    internal DeviceTensor[] Keys { get; }  // per layer [Capacity, Hkv·Dh] f32
    internal DeviceTensor[] Values { get; } // per layer [Capacity, Hkv·Dh] f32

    public override void Dispose()
    {
        Stream.Dispose();
        foreach (var b in _buffers)
            b.Dispose();
        _buffers.Clear();
    }
}
