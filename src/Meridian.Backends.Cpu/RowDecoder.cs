// Decodes one weight row of any supported dtype into f32 scratch, inside the kernels (the model is
// never dequantized wholesale). f16 uses TensorPrimitives; block-quantized types go through the
// bit-exact reference codecs for now (a fused quantized dot is a later, benchmarked change).
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu;

internal static class RowDecoder
{
    /// <summary>Decodes dst.Length values of <paramref name="type"/> from <paramref name="src"/> into dst.</summary>
    public static void Decode(DType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (type)
        {
            case DType.F32:
                MemoryMarshal.Cast<byte, float>(src)[..dst.Length].CopyTo(dst);
                break;
            case DType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(src)[..dst.Length], dst);
                break;
            case DType.BF16:
                var bf = MemoryMarshal.Cast<byte, ushort>(src);
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = BitConverter.Int32BitsToSingle(bf[i] << 16);
                break;
            default:
                QuantCodecs.DequantizeReference(type, src, dst);
                break;
        }
    }
}
