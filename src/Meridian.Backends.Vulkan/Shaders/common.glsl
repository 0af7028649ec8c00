// Shared declarations of Meridian's Vulkan compute shaders.
//
// No descriptor sets: every operand arrives as a 64-bit buffer device address in the push constants,
// as a uvec2 (low, high) (GL_EXT_buffer_reference_uvec2), pointing at the operand's first element.
// Pointer types name the element and its alignment; quantized blocks are read byte by byte (align 1).
// Offsets that may pass 2^31 bytes (weight rows, table rows, cache rows) are added to the address in
// 64-bit arithmetic (addr_add / addr_row) so that array indices stay small.
#ifndef MERIDIAN_COMMON_GLSL
#define MERIDIAN_COMMON_GLSL

#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference_uvec2 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require

layout(buffer_reference, std430, buffer_reference_align = 4) buffer F32Ptr { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer U32Ptr { uint v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer I32Ptr { int v[]; };
layout(buffer_reference, std430, buffer_reference_align = 2) buffer U16Ptr { uint16_t v[]; };
layout(buffer_reference, std430, buffer_reference_align = 1) buffer U8Ptr { uint8_t v[]; };

#define WG 64u

// a + bytes, 64-bit.
uvec2 addr_add(uvec2 a, uint bytes)
{
    uint carry;
    uint lo = uaddCarry(a.x, bytes, carry);
    return uvec2(lo, a.y + carry);
}

// a + count * size bytes, 64-bit (count * size may pass 2^32).
uvec2 addr_row(uvec2 a, uint count, uint size)
{
    uint phi, plo, carry;
    umulExtended(count, size, phi, plo);
    uint lo = uaddCarry(a.x, plo, carry);
    return uvec2(lo, a.y + phi + carry);
}

// IEEE binary16 bits -> f32, exact for every input (subnormals, inf, NaN with its payload, quieted), written
// with integer operations so that no device's f16 handling (flush to zero) is involved.
float half_to_float(uint h)
{
    uint s = (h & 0x8000u) << 16;
    uint e = (h >> 10) & 0x1Fu;
    uint m = h & 0x3FFu;
    if (e == 0u)
    {
        // zero or subnormal: m * 2^-24, exact in f32 (a normal f32 or zero)
        float v = float(m) * 5.9604644775390625e-8;
        return s != 0u ? -v : v;
    }
    if (e == 31u) // inf, or NaN made quiet as System.Half's widening does
        return uintBitsToFloat(s | 0x7F800000u | (m << 13) | (m != 0u ? 0x400000u : 0u));
    return uintBitsToFloat(s | ((e + 112u) << 23) | (m << 13));
}

// f32 bits -> IEEE binary16 bits, round to nearest, ties to even (System.Half's explicit conversion):
// subnormal results rounded too, magnitudes from 65520 up to infinity, NaN kept quiet with the top
// ten payload bits. Integer operations only.
uint float_to_half_bits(uint x)
{
    uint sign = (x >> 16) & 0x8000u;
    uint ax = x & 0x7FFFFFFFu;
    if (ax > 0x7F800000u)
        return sign | 0x7E00u | ((ax >> 13) & 0x3FFu);             // NaN
    if (ax >= 0x477FF000u)
        return sign | 0x7C00u;                                     // >= 65520 (and inf): inf
    if (ax >= 0x38800000u)
    {
        // normal f16: rebias the exponent (127 -> 15), drop 13 mantissa bits with RNE; a carry out of
        // the mantissa bumps the exponent, which is right (up to 0x7BFF, as 65520 was caught above)
        uint h = (ax - 0x38000000u) >> 13;
        uint rem = ax & 0x1FFFu;
        if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0u))
            h += 1u;
        return sign | h;
    }
    if (ax <= 0x33000000u)
        return sign;                                               // <= 2^-25 (a tie at 2^-25): zero
    // subnormal f16: value / 2^-24 = m * 2^(e - 126), m the 24-bit significand, e in [102, 112]
    uint e = ax >> 23;
    uint m = (ax & 0x7FFFFFu) | 0x800000u;
    uint shift = 126u - e;                                         // 14..24
    uint q = m >> shift;
    uint r = m & ((1u << shift) - 1u);
    uint half_ = 1u << (shift - 1u);
    if (r > half_ || (r == half_ && (q & 1u) != 0u))
        q += 1u;                                                   // 0x400 is the smallest normal: right
    return sign | q;
}

#endif
