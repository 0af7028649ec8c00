// Entry point to the scalar reference codecs: ggml block formats decoded to f32 and f32 encoded
// with ggml's reference quantizers (ggml/src/ggml-quants.c, MIT). The oracles fast kernels are tested against.
using Meridian.Core.Tensors;

namespace Meridian.Core.Quant;

/// <summary>
/// Scalar reference (de)quantization for the GGUF tensor types Meridian supports. Decoding
/// reproduces ggml's dequantize_row_* bit for bit; encoding follows ggml's quantize_row_*_ref
/// (no importance matrix). Slow and readable on purpose: fast kernels are tested against these.
/// </summary>
public static class QuantCodecs
{
    /// <summary>
    /// True when <see cref="DequantizeReference"/> decodes <paramref name="type"/>: f32, f16, bf16,
    /// q4_0, q4_1, q5_0, q5_1, q8_0, q2_K..q6_K, iq4_nl, iq4_xs and mxfp4 (the CanDequantize flag of
    /// <see cref="DTypes"/>).
    /// </summary>
    public static bool CanDequantize(DType type) => DTypes.IsKnownId((uint)type) && type.Info().CanDequantize;

    /// <summary>
    /// True when <see cref="QuantizeReference"/> encodes into <paramref name="type"/>: f32, f16, bf16,
    /// q4_0, q4_1, q5_0, q5_1, q8_0, q4_K, q5_K, q6_K and mxfp4 (the CanQuantize flag of <see cref="DTypes"/>).
    /// </summary>
    public static bool CanQuantize(DType type) => DTypes.IsKnownId((uint)type) && type.Info().CanQuantize;

    /// <summary>
    /// Decodes <paramref name="dst"/>.Length values of <paramref name="type"/> from their block bytes.
    /// </summary>
    /// <param name="type">Element type of <paramref name="src"/>.</param>
    /// <param name="src">Exactly <c>type.ByteSize(dst.Length)</c> bytes of ggml blocks.</param>
    /// <param name="dst">Output values; the length must be a multiple of the type's block size.</param>
    /// <exception cref="UnsupportedDTypeException">Meridian cannot decode <paramref name="type"/>.</exception>
    /// <exception cref="ArgumentException">The lengths are not whole, matching blocks.</exception>
    public static void DequantizeReference(DType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        if (!CanDequantize(type))
            throw new UnsupportedDTypeException($"Meridian cannot decode tensor type {type.Name()} (id {(uint)type}) to f32");
        CheckSizes(type, elements: dst.Length, bytes: src.Length, "dst", "src");
        switch (type)
        {
            case DType.F32: F32Reference.Dequantize(src, dst); break;
            case DType.F16: Fp16Reference.Dequantize(src, dst); break;
            case DType.BF16: Bf16Reference.Dequantize(src, dst); break;
            case DType.Q4_0: Q4_0Reference.Dequantize(src, dst); break;
            case DType.Q4_1: Q4_1Reference.Dequantize(src, dst); break;
            case DType.Q5_0: Q5_0Reference.Dequantize(src, dst); break;
            case DType.Q5_1: Q5_1Reference.Dequantize(src, dst); break;
            case DType.Q8_0: Q8_0Reference.Dequantize(src, dst); break;
            case DType.Q2_K: Q2_KReference.Dequantize(src, dst); break;
            case DType.Q3_K: Q3_KReference.Dequantize(src, dst); break;
            case DType.Q4_K: Q4_KReference.Dequantize(src, dst); break;
            case DType.Q5_K: Q5_KReference.Dequantize(src, dst); break;
            case DType.Q6_K: Q6_KReference.Dequantize(src, dst); break;
            case DType.IQ4_NL: Iq4NlReference.Dequantize(src, dst); break;
            case DType.IQ4_XS: Iq4XsReference.Dequantize(src, dst); break;
            case DType.MXFP4: Mxfp4Reference.Dequantize(src, dst); break;
            default: throw new InvalidOperationException($"DTypes marks {type.Name()} decodable but QuantCodecs has no decoder for it");
        }
    }

    /// <summary>
    /// Encodes <paramref name="src"/> into blocks of <paramref name="type"/> with ggml's reference quantizer.
    /// </summary>
    /// <param name="type">Target element type.</param>
    /// <param name="src">Input values; the length must be a multiple of the type's block size.</param>
    /// <param name="dst">Exactly <c>type.ByteSize(src.Length)</c> bytes; every byte is written.</param>
    /// <exception cref="UnsupportedDTypeException">Meridian cannot encode into <paramref name="type"/>.</exception>
    /// <exception cref="ArgumentException">The lengths are not whole, matching blocks.</exception>
    public static void QuantizeReference(DType type, ReadOnlySpan<float> src, Span<byte> dst)
    {
        if (!CanQuantize(type))
            throw new UnsupportedDTypeException($"Meridian cannot encode f32 into tensor type {type.Name()} (id {(uint)type})");
        CheckSizes(type, elements: src.Length, bytes: dst.Length, "src", "dst");
        switch (type)
        {
            case DType.F32: F32Reference.Quantize(src, dst); break;
            case DType.F16: Fp16Reference.Quantize(src, dst); break;
            case DType.BF16: Bf16Reference.Quantize(src, dst); break;
            case DType.Q4_0: Q4_0Reference.Quantize(src, dst); break;
            case DType.Q4_1: Q4_1Reference.Quantize(src, dst); break;
            case DType.Q5_0: Q5_0Reference.Quantize(src, dst); break;
            case DType.Q5_1: Q5_1Reference.Quantize(src, dst); break;
            case DType.Q8_0: Q8_0Reference.Quantize(src, dst); break;
            case DType.Q4_K: Q4_KReference.Quantize(src, dst); break;
            case DType.Q5_K: Q5_KReference.Quantize(src, dst); break;
            case DType.Q6_K: Q6_KReference.Quantize(src, dst); break;
            case DType.MXFP4: Mxfp4Reference.Quantize(src, dst); break;
            default: throw new InvalidOperationException($"DTypes marks {type.Name()} encodable but QuantCodecs has no encoder for it");
        }
    }

    // Whole blocks, and the byte count the element count implies; messages name both sizes.
    private static void CheckSizes(DType type, int elements, int bytes, string elementsName, string bytesName)
    {
        DTypeInfo info = type.Info();
        if (elements % info.BlockSize != 0)
            throw new ArgumentException(
                $"{elementsName} has {elements} values, not a multiple of the {info.Name} block size {info.BlockSize}", elementsName);
        long expected = type.ByteSize(elements);
        if (bytes != expected)
            throw new ArgumentException(
                $"{bytesName} has {bytes} bytes but {elements} {info.Name} values take {expected} bytes " +
                $"({elements / info.BlockSize} blocks of {info.TypeSize})", bytesName);
    }
}
