// What a block-quantized weight type contributes to the shared int8 matmul driver (GroupKernel):
// a decoder from its file blocks to 256 unsigned codes in the interleaved layout of
// QuantizedActivations, with one scale (or one per 16, Q6_K) and one min per 32 weights.
using System.Runtime.Intrinsics;

namespace Meridian.Backends.Cpu.Kernels;

/// <summary>
/// Decodes one group of 256 weights (8 blocks of 32) so that weight i of block l equals
/// scale[l] · (code − 2^BiasShift) − min[l] (with <see cref="HalfScales"/>, elements 16..31 of block l
/// take scale[8 + l] instead). codes: [8 × 32] bytes, byte (j·32 + l·4 + c) = code of
/// element j·4 + c of block l; unsigned codes must be at most 127 (AVX2's vpmaddubsw pairs could saturate beyond); signed
/// codes (<see cref="Signed"/>) are any int8.
/// </summary>
internal unsafe interface IGroupDecoder
{
    /// <summary>Bytes of the file format per 256 weights (8 blocks, or one K-quant super-block).</summary>
    static abstract int GroupBytes { get; }

    /// <summary>log2 of the code offset (8 → 3, 32 → 5); negative when there is none.</summary>
    static abstract int BiasShift { get; }

    /// <summary>True when codes are signed int8 (Q8_0, IQ4_NL): the driver offsets them itself.</summary>
    static abstract bool Signed { get; }

    /// <summary>True when the type has a per-block min (Q4_1, Q5_1, K-quants with mins).</summary>
    static abstract bool HasMin { get; }

    /// <summary>True when each half block (16 weights) has its own scale (Q6_K): the driver then keeps two sums per block.</summary>
    static abstract bool HalfScales { get; }

    /// <summary>
    /// codes: [256] u8 interleaved; scale: [8] f32, or [16] with HalfScales (first halves, then second
    /// halves); min: [8] f32, untouched when !HasMin. src: GroupBytes bytes. Types whose group is one
    /// super-block (K-quants) only ever see whole groups: their rows are whole super-blocks. For types
    /// with <see cref="HasRegisterDecode"/> the driver calls this only on CPUs without AVX2.
    /// </summary>
    static abstract void Decode(byte* src, byte* codes, float* scale, float* min);

    /// <summary>
    /// True when <see cref="DecodeRegisters"/> serves this type (AVX2 only): the decode path (T = 1)
    /// keeps the group in registers, and the prefill path stores what it returns.
    /// </summary>
    static virtual bool HasRegisterDecode => false;

    /// <summary>
    /// True when every row is whole groups (a packed layout: the short last group padded with zero
    /// blocks), so the driver never takes the partial-group path.
    /// </summary>
    static virtual bool WholeGroups => false;

    /// <summary>
    /// <see cref="Decode"/> into registers: c0..c7 the 8 interleaved code vectors, scale (first halves
    /// with HalfScales), scale2 (second halves; HalfScales only), min (HasMin only).
    /// </summary>
    static virtual void DecodeRegisters(byte* src, out Vector256<byte> c0, out Vector256<byte> c1, out Vector256<byte> c2, out Vector256<byte> c3,
        out Vector256<byte> c4, out Vector256<byte> c5, out Vector256<byte> c6, out Vector256<byte> c7,
        out Vector256<float> scale, out Vector256<float> scale2, out Vector256<float> min) =>
        throw new NotSupportedException("no register decode for this type");
}
