// What a caller chooses when loading a model: the KV cache dtype, whether ops the device lacks may run on a
// fallback device (the CPU), the KV cache to reserve room for, and where load progress goes.
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Models;

/// <summary>Options of <see cref="ModelLoader.Load"/>.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>The KV cache dtype: F32 (exact) or F16 (half the memory; llama.cpp's default).</summary>
    public DType KvType { get; init; } = DType.F32;

    /// <summary>
    /// The device that runs the (op, dtype) pairs the model's device lacks; null refuses such a model, naming the
    /// first missing pair. The CLI passes the CPU device when --allow-fallback is given.
    /// </summary>
    public IDevice? FallbackDevice { get; init; }

    /// <summary>
    /// The KV cache the caller will allocate for this model on its device, in bytes, given the context the model was
    /// trained for and its KV bytes per position (LlmEngine.KvCacheBytes gives the engine's). A model whose weights
    /// plus that cache (the weights alone when null) exceed the device's <see cref="IDevice.MemoryBytes"/> is refused
    /// before any weight is uploaded (<see cref="DeviceMemoryException"/>).
    /// </summary>
    public Func<int, long, long>? KvCacheBytes { get; init; }

    /// <summary>
    /// The longest sequence (prompt and output) the caller will run; null means the model's trained context. A model with
    /// two RoPE scalings (Phi-3's LongRoPE) uses its long factors when this exceeds its original context, as llama.cpp
    /// does with its context size.
    /// </summary>
    public int? MaxContext { get; init; }

    /// <summary>Bytes of weights loaded so far (of the model's total), as the device takes them.</summary>
    public IProgress<long>? Progress { get; init; }
}
