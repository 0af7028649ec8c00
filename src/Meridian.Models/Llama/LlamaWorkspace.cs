// The activation buffers one Llama step writes, for up to Rows tokens.
using Meridian.Core.Backends;

namespace Meridian.Models.Llama;

/// <summary>[Rows, width] f32 buffers. T = rows, D = hidden, F = ffn, V = vocab, H = heads, Hkv = kv heads, Dh = head dim.</summary>
internal sealed class LlamaWorkspace
{
    /// <summary>Allocates every buffer on <paramref name="device"/>, adding each to <paramref name="owned"/> (the state disposes them).</summary>
    public LlamaWorkspace(LlamaConfig c, IDevice device, int rows, List<IDeviceBuffer> owned)
    {
        DeviceTensor allocate(int r, int cols)
        {
            var buffer = device.Allocate((long)r * cols * sizeof(float), BufferUsage.Scratch);
            owned.Add(buffer);
            return DeviceTensor.F32(buffer, r, cols);
        }
        int d = c.HiddenSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim;
        X = allocate(rows, d);
        Xn = allocate(rows, d);
        Q = allocate(rows, q);
        K = allocate(rows, kv);
        V = allocate(rows, kv);
        Att = allocate(rows, q);
        Gate = allocate(rows, c.IntermediateSize);
        Up = allocate(rows, c.IntermediateSize);
        Logits = allocate(rows, c.VocabSize);
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
}
