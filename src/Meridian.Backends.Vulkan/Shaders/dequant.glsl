// GGUF block decoders for one weight type, chosen by a define: TYPE_F32, TYPE_F16, TYPE_BF16, TYPE_Q8_0,
// TYPE_Q4_0, TYPE_Q4_1, TYPE_Q5_0, TYPE_Q5_1, TYPE_Q4_K, TYPE_Q5_K, TYPE_Q6_K, TYPE_IQ4_NL.
// Layouts and arithmetic follow src/Meridian.Core/Quant/*Reference.cs (ggml's dequantize_row_*), in the
// same float order; `precise` keeps the compiler from fusing a multiply and an add that the reference
// rounds separately.
//
// A row is the address of its first byte. For every type:
//   QK           values per block; QTS bytes per block; row_bytes(d) the bytes of a d-value row
//   float dq(uvec2 row, uint j)              value j of the row
//   void dq32(uvec2 row, uint u, out float w[32])  values 32u .. 32u+31 of the row (u-th group of 32;
//                                            for the 256-value k-quants, sub-block u % 8 of block u / 8)
// Quantized rows hold whole blocks (d a multiple of QK); f32/f16/bf16 rows may end in a partial group,
// which callers read with dq.
#ifndef MERIDIAN_DEQUANT_GLSL
#define MERIDIAN_DEQUANT_GLSL

#include "common.glsl"

uint rd8(U8Ptr p, uint o) { return uint(p.v[o]); }
int rd8s(U8Ptr p, uint o) { return bitfieldExtract(int(uint(p.v[o])), 0, 8); }
uint rd16(U8Ptr p, uint o) { return uint(p.v[o]) | (uint(p.v[o + 1u]) << 8); }
uint rd32(U8Ptr p, uint o) { return rd16(p, o) | (rd16(p, o + 2u) << 16); }
float rdh(U8Ptr p, uint o) { return half_to_float(rd16(p, o)); }

#if defined(TYPE_F32)
#define QK 1u
#define QTS 4u
float dq(uvec2 row, uint j) { return F32Ptr(row).v[j]; }
void dq32(uvec2 row, uint u, out float w[32])
{
    F32Ptr p = F32Ptr(row);
    for (uint i = 0u; i < 32u; i++) w[i] = p.v[32u * u + i];
}

#elif defined(TYPE_F16)
#define QK 1u
#define QTS 2u
float dq(uvec2 row, uint j) { return half_to_float(uint(U16Ptr(row).v[j])); }
void dq32(uvec2 row, uint u, out float w[32])
{
    U16Ptr p = U16Ptr(row);
    for (uint i = 0u; i < 32u; i++) w[i] = half_to_float(uint(p.v[32u * u + i]));
}

#elif defined(TYPE_BF16)
#define QK 1u
#define QTS 2u
float dq(uvec2 row, uint j) { return uintBitsToFloat(uint(U16Ptr(row).v[j]) << 16); }
void dq32(uvec2 row, uint u, out float w[32])
{
    U16Ptr p = U16Ptr(row);
    for (uint i = 0u; i < 32u; i++) w[i] = uintBitsToFloat(uint(p.v[32u * u + i]) << 16);
}

#elif defined(TYPE_Q8_0)
// 34 bytes: d f16 | qs i8[32]; w = q * d
#define QK 32u
#define QTS 34u
float dq(uvec2 row, uint j)
{
    U8Ptr p = U8Ptr(row);
    uint o = (j / 32u) * 34u;
    return float(rd8s(p, o + 2u + j % 32u)) * rdh(p, o);
}
void dq32(uvec2 row, uint u, out float w[32])
{
    U8Ptr p = U8Ptr(row);
    uint o = u * 34u;
    float d = rdh(p, o);
    for (uint i = 0u; i < 32u; i++) w[i] = float(rd8s(p, o + 2u + i)) * d;
}

#elif defined(TYPE_Q4_0) || defined(TYPE_IQ4_NL)
// 18 bytes: d f16 | qs u8[16]; byte i: low nibble = value i, high nibble = value i + 16
// Q4_0: w = (q - 8) * d;  IQ4_NL: w = d * kvalues[q]
#define QK 32u
#define QTS 18u
#if defined(TYPE_IQ4_NL)
const int IQ4NL_LEVELS[16] = int[16](-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
float q4val(uint q, float d) { precise float r = d * float(IQ4NL_LEVELS[q]); return r; }
#else
float q4val(uint q, float d) { precise float r = float(int(q) - 8) * d; return r; }
#endif
float dq(uvec2 row, uint j)
{
    U8Ptr p = U8Ptr(row);
    uint o = (j / 32u) * 18u, l = j % 32u;
    uint b = rd8(p, o + 2u + (l & 15u));
    return q4val(l < 16u ? (b & 15u) : (b >> 4), rdh(p, o));
}
void dq32(uvec2 row, uint u, out float w[32])
{
    U8Ptr p = U8Ptr(row);
    uint o = u * 18u;
    float d = rdh(p, o);
    for (uint i = 0u; i < 16u; i++)
    {
        uint b = rd8(p, o + 2u + i);
        w[i] = q4val(b & 15u, d);
        w[i + 16u] = q4val(b >> 4, d);
    }
}

#elif defined(TYPE_Q4_1)
// 20 bytes: d f16 | m f16 | qs u8[16] (nibbles as Q4_0); w = q * d + m
#define QK 32u
#define QTS 20u
float q41val(uint q, float d, float m) { precise float r = float(q) * d + m; return r; }
float dq(uvec2 row, uint j)
{
    U8Ptr p = U8Ptr(row);
    uint o = (j / 32u) * 20u, l = j % 32u;
    uint b = rd8(p, o + 4u + (l & 15u));
    return q41val(l < 16u ? (b & 15u) : (b >> 4), rdh(p, o), rdh(p, o + 2u));
}
void dq32(uvec2 row, uint u, out float w[32])
{
    U8Ptr p = U8Ptr(row);
    uint o = u * 20u;
    float d = rdh(p, o), m = rdh(p, o + 2u);
    for (uint i = 0u; i < 16u; i++)
    {
        uint b = rd8(p, o + 4u + i);
        w[i] = q41val(b & 15u, d, m);
        w[i + 16u] = q41val(b >> 4, d, m);
    }
}

#elif defined(TYPE_Q5_0)
// 22 bytes: d f16 | qh u32 LE (bit i = fifth bit of value i) | qs u8[16]; w = (q - 16) * d
#define QK 32u
#define QTS 22u
float q50val(uint q, float d) { precise float r = float(int(q) - 16) * d; return r; }
float dq(uvec2 row, uint j)
{
    U8Ptr p = U8Ptr(row);
    uint o = (j / 32u) * 22u, l = j % 32u;
    uint b = rd8(p, o + 6u + (l & 15u));
    uint q = (l < 16u ? (b & 15u) : (b >> 4)) | (((rd32(p, o + 2u) >> l) & 1u) << 4);
    return q50val(q, rdh(p, o));
}
void dq32(uvec2 row, uint u, out float w[32])
{
    U8Ptr p = U8Ptr(row);
    uint o = u * 22u;
    float d = rdh(p, o);
    uint qh = rd32(p, o + 2u);
    for (uint i = 0u; i < 16u; i++)
    {
        uint b = rd8(p, o + 6u + i);
        w[i] = q50val((b & 15u) | (((qh >> i) & 1u) << 4), d);
        w[i + 16u] = q50val((b >> 4) | (((qh >> (i + 16u)) & 1u) << 4), d);
    }
}

#elif defined(TYPE_Q5_1)
// 24 bytes: d f16 | m f16 | qh u32 LE | qs u8[16]; w = q * d + m
#define QK 32u
#define QTS 24u
float q51val(uint q, float d, float m) { precise float r = float(q) * d + m; return r; }
float dq(uvec2 row, uint j)
{
    U8Ptr p = U8Ptr(row);
    uint o = (j / 32u) * 24u, l = j % 32u;
    uint b = rd8(p, o + 8u + (l & 15u));
    uint q = (l < 16u ? (b & 15u) : (b >> 4)) | (((rd32(p, o + 4u) >> l) & 1u) << 4);
    return q51val(q, rdh(p, o), rdh(p, o + 2u));
}
void dq32(uvec2 row, uint u, out float w[32])
{
    U8Ptr p = U8Ptr(row);
    uint o = u * 24u;
    float d = rdh(p, o), m = rdh(p, o + 2u);
    uint qh = rd32(p, o + 4u);
    for (uint i = 0u; i < 16u; i++)
    {
        uint b = rd8(p, o + 8u + i);
        w[i] = q51val((b & 15u) | (((qh >> i) & 1u) << 4), d, m);
        w[i + 16u] = q51val((b >> 4) | (((qh >> (i + 16u)) & 1u) << 4), d, m);
    }
}

#elif defined(TYPE_Q4_K) || defined(TYPE_Q5_K)
// Q4_K, 144 bytes: d f16 | dmin f16 | scales u8[12] | qs u8[128]
// Q5_K, 176 bytes: d f16 | dmin f16 | scales u8[12] | qh u8[32] | qs u8[128]
// Sub-block s (0..7) of 32 values: g = s / 2; value l (0..31) is the low nibble of qs[32g + l] when s
// is even, the high nibble when odd; Q5_K adds bit s of qh[l] as the fifth bit (value 16).
// w = (d * sc) * q - (dmin * m), sc and m the 6-bit scale and min of s (get_scale_min_k4).
#define QK 256u
#if defined(TYPE_Q4_K)
#define QTS 144u
#define KQ_QS 16u
#else
#define QTS 176u
#define KQ_QS 48u
#endif
// scale and min of sub-block s from the 12-byte field at byte o (QuantMath.GetScaleMinK4)
uvec2 scale_min_k4(U8Ptr p, uint o, uint s)
{
    if (s < 4u)
        return uvec2(rd8(p, o + s) & 63u, rd8(p, o + s + 4u) & 63u);
    uint b = rd8(p, o + s + 4u);
    return uvec2((b & 15u) | ((rd8(p, o + s - 4u) >> 6) << 4), (b >> 4) | ((rd8(p, o + s) >> 6) << 4));
}
float kqval(uint q, float d1, float m1) { precise float r = d1 * float(q) - m1; return r; }
// block at byte o, sub-block s: (d * sc, dmin * m)
vec2 kq_sub(U8Ptr p, uint o, uint s)
{
    uvec2 sm = scale_min_k4(p, o + 4u, s);
    precise float d1 = rdh(p, o) * float(sm.x);
    precise float m1 = rdh(p, o + 2u) * float(sm.y);
    return vec2(d1, m1);
}
uint kq_code(U8Ptr p, uint o, uint s, uint l)
{
    uint b = rd8(p, o + KQ_QS + 32u * (s >> 1) + l);
    uint q = (s & 1u) != 0u ? (b >> 4) : (b & 15u);
#if defined(TYPE_Q5_K)
    q |= ((rd8(p, o + 16u + l) >> s) & 1u) << 4;
#endif
    return q;
}
float dq(uvec2 row, uint j)
{
    U8Ptr p = U8Ptr(row);
    uint o = (j / 256u) * QTS, e = j % 256u;
    uint s = e / 32u, l = e % 32u;
    vec2 dm = kq_sub(p, o, s);
    return kqval(kq_code(p, o, s, l), dm.x, dm.y);
}
void dq32(uvec2 row, uint u, out float w[32])
{
    U8Ptr p = U8Ptr(row);
    uint o = (u / 8u) * QTS, s = u % 8u;
    vec2 dm = kq_sub(p, o, s);
    for (uint l = 0u; l < 32u; l++) w[l] = kqval(kq_code(p, o, s, l), dm.x, dm.y);
}

#elif defined(TYPE_Q6_K)
// 210 bytes: ql u8[128] | qh u8[64] | scales i8[16] | d f16 (at 208).
// Value e = 128h + 32k + l (h 0..1, k 0..3, l 0..31): low 4 bits from ql[64h + l + 32(k % 2)] (low
// nibble for k < 2, high for k >= 2), high 2 bits = bits 2k..2k+1 of qh[32h + l]; q = that - 32;
// scale = scales[8h + 2k + l / 16]; w = (d * sc) * q.
#define QK 256u
#define QTS 210u
float q6val(U8Ptr p, uint o, float d, uint h, uint k, uint l)
{
    uint lb = rd8(p, o + 64u * h + l + 32u * (k & 1u));
    uint low = k < 2u ? (lb & 15u) : (lb >> 4);
    int q = int(low | (((rd8(p, o + 128u + 32u * h + l) >> (2u * k)) & 3u) << 4)) - 32;
    int sc = rd8s(p, o + 192u + 8u * h + 2u * k + l / 16u);
    precise float ds = d * float(sc);
    precise float r = ds * float(q);
    return r;
}
float dq(uvec2 row, uint j)
{
    U8Ptr p = U8Ptr(row);
    uint o = (j / 256u) * 210u, e = j % 256u;
    return q6val(p, o, rdh(p, o + 208u), e / 128u, (e / 32u) % 4u, e % 32u);
}
void dq32(uvec2 row, uint u, out float w[32])
{
    U8Ptr p = U8Ptr(row);
    uint o = (u / 8u) * 210u, s = u % 8u;
    float d = rdh(p, o + 208u);
    for (uint l = 0u; l < 32u; l++) w[l] = q6val(p, o, d, s / 4u, s % 4u, l);
}

#else
#error "dequant.glsl: define one TYPE_* (F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q4_K Q5_K Q6_K IQ4_NL)"
#endif

// Bytes of a row of d values (d a multiple of QK).
uint row_bytes(uint d) { return (d / QK) * QTS; }

#endif
