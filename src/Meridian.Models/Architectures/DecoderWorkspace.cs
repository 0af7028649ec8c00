// The activation buffers one decoder step writes, for up to Rows tokens.
using Meridian.Core.Backends;

namespace Meridian.Models.Architectures;

/// <summary>[Rows, width] f32 buffers. T = rows, D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, Dh = head dim.</summary>
internal sealed class DecoderWorkspace
{
    /// <summary>Allocates every buffer on <paramref name="device"/>, adding each to <paramref name="owned"/> (the state disposes them).</summary>
    public DecoderWorkspace(DecoderShape c, IDevice device, int rows, List<IDeviceBuffer> owned)
    {
        DeviceTensor allocate(int r, int cols)
        {
            var buffer = device.Allocate((long)r * cols * sizeof(float), BufferUsage.Scratch);
            owned.Add(buffer);
            return DeviceTensor.F32(buffer, r, cols);
        }
        int d = c.Hidden, q = c.Heads * c.HeadDim, kv = c.KvHeads * c.HeadDim;
        X = allocate(rows, d);
        Xn = allocate(rows, d);
        Q = allocate(rows, q);
        K = allocate(rows, kv);
        V = allocate(rows, kv);
        Att = allocate(rows, q);
        Gate = allocate(rows, c.Ffn);
        Up = allocate(rows, c.Ffn);
        Logits = allocate(rows, c.Vocab);
        if (c.Experts > 0)
        {
            RouterLogits = allocate(rows, c.Experts);
            ExpertWeights = allocate(rows, c.ExpertsUsed);
            var ids = device.Allocate((long)rows * c.ExpertsUsed * sizeof(int), BufferUsage.Scratch);
            owned.Add(ids);
            ExpertIds = new DeviceTensor(ids, 0, Core.Tensors.DType.I32, rows, c.ExpertsUsed);
            MoeOut = allocate(rows, d);
        }
    }

    public DeviceTensor X { get; }       // [T, D] residual stream
    public DeviceTensor Xn { get; }      // [T, D] normed input of a sub-block (and the gathered logit rows)
    public DeviceTensor Q { get; }       // [T, H·Dh]
    public DeviceTensor K { get; }       // [T, Hkv·Dh] this step's keys, before they go to the cache
    public DeviceTensor V { get; }       // [T, Hkv·Dh]
    public DeviceTensor Att { get; }     // [T, H·Dh] attention output
    public DeviceTensor Gate { get; }    // [T, F]
    public DeviceTensor Up { get; }      // [T, F]
    public DeviceTensor Logits { get; }  // [T, V]
    public DeviceTensor RouterLogits { get; }  // [T, E] (mixture of experts only)
    public DeviceTensor ExpertIds { get; }     // [T, k] i32
    public DeviceTensor ExpertWeights { get; } // [T, k]
    public DeviceTensor MoeOut { get; }        // [T, D] the experts' sum (its input is Xn)
}
