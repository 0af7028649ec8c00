// Element types a safetensors header may name ("dtype"), in the reference implementation's
// order of increasing alignment: https://github.com/huggingface/safetensors safetensors/src/tensor.rs
namespace Meridian.Formats.Safetensors;

/// <summary>
/// A safetensors element type. The numeric order is the reference's alignment order, which
/// <see cref="SafetensorsWriter"/> uses to lay out tensors (widest first). Only F64, F32, F16,
/// BF16, I64, I32, I16 and I8 have a Meridian <see cref="Meridian.Core.Tensors.DType"/>; the
/// rest are recognised so a file can be read and its tensors named, then refused where used.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>Boolean, one byte per value (no Meridian DType).</summary>
    BOOL = 0,
    /// <summary>MX fp4 (E2M1), 4 bits per value.</summary>
    F4 = 1,
    /// <summary>MX fp6 E2M3, 6 bits per value.</summary>
    F6_E2M3 = 2,
    /// <summary>MX fp6 E3M2, 6 bits per value.</summary>
    F6_E3M2 = 3,
    /// <summary>Unsigned byte (no Meridian DType).</summary>
    U8 = 4,
    /// <summary>Signed byte.</summary>
    I8 = 5,
    /// <summary>fp8 E5M2.</summary>
    F8_E5M2 = 6,
    /// <summary>fp8 E4M3 (finite, NaN-only).</summary>
    F8_E4M3 = 7,
    /// <summary>MX scale, 8-bit exponent.</summary>
    F8_E8M0 = 8,
    /// <summary>fp8 E4M3, no negative zero, NaN at 0x80.</summary>
    F8_E4M3FNUZ = 9,
    /// <summary>fp8 E5M2, no negative zero, NaN at 0x80.</summary>
    F8_E5M2FNUZ = 10,
    /// <summary>Signed 16-bit integer.</summary>
    I16 = 11,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16 = 12,
    /// <summary>IEEE half precision.</summary>
    F16 = 13,
    /// <summary>bfloat16.</summary>
    BF16 = 14,
    /// <summary>Signed 32-bit integer.</summary>
    I32 = 15,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32 = 16,
    /// <summary>IEEE single precision.</summary>
    F32 = 17,
    /// <summary>Complex with two f32 parts.</summary>
    C64 = 18,
    /// <summary>IEEE double precision.</summary>
    F64 = 19,
    /// <summary>Signed 64-bit integer.</summary>
    I64 = 20,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64 = 21,
}
