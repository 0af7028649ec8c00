// How a matmul kernel wants its f32 activations: as they are, or quantized on the fly to int8.
namespace Meridian.Backends.Cpu.Kernels;

/// <summary>The activation layout a weight type's kernel dots against.</summary>
internal enum ActFormat
{
    /// <summary>The f32 rows as given (f32, f16, bf16 weights).</summary>
    F32,

    /// <summary>
    /// int8 codes with one f32 scale per 32 elements, interleaved in groups of 256 (see
    /// <see cref="QuantizedActivations"/>), plus code sums per 32 and per 16 (ggml's Q8_0/Q8_1/Q8_K role).
    /// </summary>
    Q8,
}
