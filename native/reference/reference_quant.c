/*
 * reference_quant.c: the element types of the reference plugin. IEEE half and bfloat16 conversion, and the GGUF
 * block decoders (Q4_0 .. IQ4_XS) that turn a row of weights into f32, plus the 8-bit rounding of activations.
 * Decoding matches Meridian's C# references (src/Meridian.Core/Quant/, a TypeReference.cs per type) bit for
 * bit: same fields, same order of float operations. Block layouts are ggml's, byte for byte; each decoder
 * restates its own.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reference.h"

/* ------------------------------------------------------------------------------------------------------ */
/* Little-endian field reads. Bytes are assembled by hand so the code does not depend on the host's byte
 * order or on unaligned loads (block fields sit at odd offsets: a Q4_0 block is 18 bytes). */

static uint16_t read_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static float read_f16(const uint8_t *p) { return ref_f16_to_f32(read_u16(p)); }

static float bits_to_f32(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f); /* the portable way to reinterpret bits */
    return f;
}

static uint32_t f32_to_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

/* ------------------------------------------------------------------------------------------------------ */
/* IEEE binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. Every half is exactly a float. */

float ref_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    if (exponent == 0x1F) /* infinity (mantissa 0) or NaN (payload kept) */
        return bits_to_f32(sign | 0x7F800000u | (mantissa << 13));
    if (exponent != 0) /* normal: rebias the exponent from 15 to 127 */
        return bits_to_f32(sign | ((exponent + 112) << 23) | (mantissa << 13));
    /* zero or subnormal: mantissa * 2^-24, exact in f32 (at most 10 significant bits, normal in f32) */
    float magnitude = (float)mantissa * 5.9604644775390625e-8f; /* 2^-24 */
    return sign ? -magnitude : magnitude;
}

uint16_t ref_f32_to_f16(float f)
{
    uint32_t x = f32_to_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t abs = x & 0x7FFFFFFFu;

    if (abs > 0x7F800000u) /* NaN: quiet, with the top mantissa bits kept (what .NET's (Half) cast does) */
        return (uint16_t)(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));
    if (abs >= 0x477FF000u) /* 65520 and up (and infinity): past half's largest value, 65504, once rounded */
        return (uint16_t)(sign | 0x7C00u);
    if (abs >= 0x38800000u) {
        /* Normal half (2^-14 and up). Keep the top 10 mantissa bits and round on the 13 dropped ones; a carry
         * out of the mantissa bumps the exponent, which is the right answer (up to 65504's neighbour, infinity,
         * excluded above). */
        uint32_t exponent = (abs >> 23) - 112;
        uint32_t mantissa = abs & 0x7FFFFFu;
        uint32_t h = (exponent << 10) | (mantissa >> 13);
        uint32_t dropped = mantissa & 0x1FFFu;
        if (dropped > 0x1000u || (dropped == 0x1000u && (h & 1u)))
            h++;
        return (uint16_t)(sign | h);
    }
    if (abs <= 0x33000000u) /* 2^-25 and below round to zero (2^-25 itself is a tie, and zero is even) */
        return sign;
    {
        /* Subnormal half: the value in units of 2^-24, i.e. the full 24-bit significand shifted right by
         * 126 - exponent (14 .. 24 places here), rounded to nearest even. A round-up to 0x400 is the smallest
         * normal, which is also the right encoding. */
        uint32_t exponent = abs >> 23;
        uint32_t significand = (abs & 0x7FFFFFu) | 0x800000u;
        uint32_t shift = 126 - exponent;
        uint32_t h = significand >> shift;
        uint32_t dropped = significand & ((1u << shift) - 1);
        uint32_t half = 1u << (shift - 1);
        if (dropped > half || (dropped == half && (h & 1u)))
            h++;
        return (uint16_t)(sign | h);
    }
}

/* bfloat16 is the top half of an f32: widening is a shift. */
float ref_bf16_to_f32(uint16_t h) { return bits_to_f32((uint32_t)h << 16); }

/* ------------------------------------------------------------------------------------------------------ */
/* The dtype table. type_size / block_size are GGUF's (ggml's type_traits). */

static const ref_dtype_info dtypes[] = {
    {MB_DTYPE_F32, "f32", 1, 4, 1},
    {MB_DTYPE_F16, "f16", 1, 2, 1},
    {MB_DTYPE_Q4_0, "q4_0", 32, 18, 1},
    {MB_DTYPE_Q4_1, "q4_1", 32, 20, 1},
    {MB_DTYPE_Q5_0, "q5_0", 32, 22, 1},
    {MB_DTYPE_Q5_1, "q5_1", 32, 24, 1},
    {MB_DTYPE_Q8_0, "q8_0", 32, 34, 1},
    {MB_DTYPE_Q2_K, "q2_K", 256, 84, 1},
    {MB_DTYPE_Q3_K, "q3_K", 256, 110, 1},
    {MB_DTYPE_Q4_K, "q4_K", 256, 144, 1},
    {MB_DTYPE_Q5_K, "q5_K", 256, 176, 1},
    {MB_DTYPE_Q6_K, "q6_K", 256, 210, 1},
    {MB_DTYPE_IQ4_NL, "iq4_nl", 32, 18, 1},
    {MB_DTYPE_IQ4_XS, "iq4_xs", 256, 136, 1},
    {MB_DTYPE_I32, "i32", 1, 4, 0},
    {MB_DTYPE_BF16, "bf16", 1, 2, 1},
};

const ref_dtype_info *ref_dtype(uint32_t dtype)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++) {
        if (dtypes[i].dtype == dtype)
            return &dtypes[i];
    }
    return NULL;
}

const char *ref_dtype_name(uint32_t dtype)
{
    /* Unknown ids are printed into a static buffer. Not thread-safe, which is fine: it only feeds a message,
     * and the host never calls into one device from two threads. */
    static char unknown[32];
    const ref_dtype_info *info = ref_dtype(dtype);
    if (info != NULL)
        return info->name;
    snprintf(unknown, sizeof unknown, "dtype %u", (unsigned)dtype);
    return unknown;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Block decoders. Each turns `blocks` blocks at src into blocks * block_size f32 at dst. */

/* Q4_0, 18 bytes per 32 values: d f16 | qs u8[16]. Byte j: low nibble = value j, high nibble = value j + 16.
 * w = (q - 8) * d. */
static void decode_q4_0(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 18, dst += 32) {
        float d = read_f16(src);
        const uint8_t *qs = src + 2;
        for (int j = 0; j < 16; j++) {
            dst[j] = (float)((qs[j] & 0x0F) - 8) * d;
            dst[j + 16] = (float)((qs[j] >> 4) - 8) * d;
        }
    }
}

/* Q4_1, 20 bytes per 32 values: d f16 | m f16 | qs u8[16] (nibbles as Q4_0). w = q * d + m. */
static void decode_q4_1(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 20, dst += 32) {
        float d = read_f16(src);
        float m = read_f16(src + 2);
        const uint8_t *qs = src + 4;
        for (int j = 0; j < 16; j++) {
            dst[j] = (float)(qs[j] & 0x0F) * d + m;
            dst[j + 16] = (float)(qs[j] >> 4) * d + m;
        }
    }
}

/* Q5_0, 22 bytes per 32 values: d f16 | qh u32 LE (bit i = fifth bit of value i) | qs u8[16] (low 4 bits, nibbles
 * as Q4_0). w = (q - 16) * d. */
static void decode_q5_0(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 22, dst += 32) {
        float d = read_f16(src);
        uint32_t qh = read_u32(src + 2);
        const uint8_t *qs = src + 6;
        for (int j = 0; j < 16; j++) {
            int q0 = (qs[j] & 0x0F) | (int)(((qh >> j) & 1u) << 4);
            int q1 = (qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4);
            dst[j] = (float)(q0 - 16) * d;
            dst[j + 16] = (float)(q1 - 16) * d;
        }
    }
}

/* Q5_1, 24 bytes per 32 values: d f16 | m f16 | qh u32 LE | qs u8[16]. w = q * d + m. */
static void decode_q5_1(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 24, dst += 32) {
        float d = read_f16(src);
        float m = read_f16(src + 2);
        uint32_t qh = read_u32(src + 4);
        const uint8_t *qs = src + 8;
        for (int j = 0; j < 16; j++) {
            int q0 = (qs[j] & 0x0F) | (int)(((qh >> j) & 1u) << 4);
            int q1 = (qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4);
            dst[j] = (float)q0 * d + m;
            dst[j + 16] = (float)q1 * d + m;
        }
    }
}

/* Q8_0, 34 bytes per 32 values: d f16 | qs i8[32]. w = q * d. */
static void decode_q8_0(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 34, dst += 32) {
        float d = read_f16(src);
        const uint8_t *qs = src + 2;
        for (int j = 0; j < 32; j++)
            dst[j] = (float)(int8_t)qs[j] * d;
    }
}

/* Q2_K, 84 bytes per 256 values: scales u8[16] (low nibble scale, high nibble min, per 16 values) | qs u8[64]
 * (2-bit codes) | d f16 | dmin f16. Half h (128 values) uses qs[32h .. 32h+32); value 128h + 32k + l is bits
 * 2k..2k+1 of qs[32h + l] and belongs to sub-block 8h + 2k + l/16. w = d * sc * q - dmin * m. */
static void decode_q2_k(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 84, dst += 256) {
        const uint8_t *scales = src;
        float d = read_f16(src + 80);
        float dmin = read_f16(src + 82);
        for (int h = 0; h < 2; h++) {
            const uint8_t *qs = src + 16 + 32 * h;
            for (int k = 0; k < 4; k++) {
                for (int l = 0; l < 32; l++) {
                    uint8_t sc = scales[8 * h + 2 * k + l / 16];
                    float dl = d * (float)(sc & 0x0F);
                    float ml = dmin * (float)(sc >> 4);
                    int q = (qs[l] >> (2 * k)) & 3;
                    dst[128 * h + 32 * k + l] = dl * (float)q - ml;
                }
            }
        }
    }
}

/* Q3_K scale i (0..15), 6 bits: the low 4 bits are the low nibble of scales[i] for i < 8 and the high nibble of
 * scales[i - 8] otherwise; the high 2 bits are bits 2*(i/4) .. 2*(i/4)+1 of scales[8 + i%4]. */
static int q3_k_scale(const uint8_t *scales, int i)
{
    int low = i < 8 ? scales[i] & 0x0F : scales[i - 8] >> 4;
    int high = (scales[8 + i % 4] >> (2 * (i / 4))) & 3;
    return low | (high << 4);
}

/* Q3_K, 110 bytes per 256 values: hmask u8[32] | qs u8[64] (low 2 bits, ordered as Q2_K) | scales u8[12] (sixteen
 * 6-bit scales) | d f16. Value 128h + 32k + l takes its high bit from bit 4h + k of hmask[l]; a clear bit means
 * the code is low - 4. w = d * (sc - 32) * q. */
static void decode_q3_k(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 110, dst += 256) {
        const uint8_t *hmask = src;
        const uint8_t *scales = src + 96;
        float d = read_f16(src + 108);
        for (int h = 0; h < 2; h++) {
            const uint8_t *qs = src + 32 + 32 * h;
            for (int k = 0; k < 4; k++) {
                int m = 4 * h + k;
                for (int l = 0; l < 32; l++) {
                    float dl = d * (float)(q3_k_scale(scales, 8 * h + 2 * k + l / 16) - 32);
                    int low = (qs[l] >> (2 * k)) & 3;
                    int q = low - (((hmask[l] >> m) & 1) ? 0 : 4);
                    dst[128 * h + 32 * k + l] = dl * (float)q;
                }
            }
        }
    }
}

/* The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block's 12-byte scale field (ggml's
 * get_scale_min_k4): bytes 0..3 hold scales 0..3 (low 6 bits) and the top bits of scales 4..7; bytes 4..7 the
 * same for the mins; bytes 8..11 the low 4 bits of scale (low nibble) and min (high nibble) 4..7. */
static void k4_scale_min(const uint8_t *scales, int j, int *scale, int *min)
{
    if (j < 4) {
        *scale = scales[j] & 63;
        *min = scales[j + 4] & 63;
    } else {
        *scale = (scales[j + 4] & 0x0F) | ((scales[j - 4] >> 6) << 4);
        *min = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
    }
}

/* Q4_K, 144 bytes per 256 values: d f16 | dmin f16 | scales u8[12] | qs u8[128]. Each 64 values use 32 bytes:
 * value 64g + l is the low nibble of qs[32g + l] (sub-block 2g), value 64g + 32 + l the high nibble (sub-block
 * 2g + 1). w = d * sc * q - dmin * m. */
static void decode_q4_k(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 144, dst += 256) {
        float d = read_f16(src);
        float dmin = read_f16(src + 2);
        const uint8_t *scales = src + 4;
        for (int g = 0; g < 4; g++) {
            const uint8_t *qs = src + 16 + 32 * g;
            int sc1, m1, sc2, m2;
            k4_scale_min(scales, 2 * g, &sc1, &m1);
            k4_scale_min(scales, 2 * g + 1, &sc2, &m2);
            float d1 = d * (float)sc1, min1 = dmin * (float)m1;
            float d2 = d * (float)sc2, min2 = dmin * (float)m2;
            for (int l = 0; l < 32; l++) {
                dst[64 * g + l] = d1 * (float)(qs[l] & 0x0F) - min1;
                dst[64 * g + 32 + l] = d2 * (float)(qs[l] >> 4) - min2;
            }
        }
    }
}

/* Q5_K, 176 bytes per 256 values: d f16 | dmin f16 | scales u8[12] | qh u8[32] | qs u8[128]. Low 4 bits as Q4_K;
 * the fifth bit of value 32s + l (s = sub-block) is bit s of qh[l]. w = d * sc * q - dmin * m. */
static void decode_q5_k(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 176, dst += 256) {
        float d = read_f16(src);
        float dmin = read_f16(src + 2);
        const uint8_t *scales = src + 4;
        const uint8_t *qh = src + 16;
        for (int g = 0; g < 4; g++) {
            const uint8_t *qs = src + 48 + 32 * g;
            int sc1, m1, sc2, m2;
            k4_scale_min(scales, 2 * g, &sc1, &m1);
            k4_scale_min(scales, 2 * g + 1, &sc2, &m2);
            float d1 = d * (float)sc1, min1 = dmin * (float)m1;
            float d2 = d * (float)sc2, min2 = dmin * (float)m2;
            for (int l = 0; l < 32; l++) {
                int q1 = (qs[l] & 0x0F) + ((qh[l] >> (2 * g)) & 1) * 16;
                int q2 = (qs[l] >> 4) + ((qh[l] >> (2 * g + 1)) & 1) * 16;
                dst[64 * g + l] = d1 * (float)q1 - min1;
                dst[64 * g + 32 + l] = d2 * (float)q2 - min2;
            }
        }
    }
}

/* Q6_K, 210 bytes per 256 values: ql u8[128] (low 4 bits) | qh u8[64] (high 2 bits) | scales i8[16] | d f16.
 * Half h uses ql[64h ..] and qh[32h ..]; value 128h + 32k + l takes its low bits from ql[64h + l + 32*(k%2)]
 * (low nibble for k < 2, high for k >= 2), its high bits from bits 2k..2k+1 of qh[32h + l], and its scale from
 * sub-block 8h + 2k + l/16. w = (d * sc) * (q - 32), in that order. */
static void decode_q6_k(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 210, dst += 256) {
        float d = read_f16(src + 208);
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = src + 64 * h;
            const uint8_t *qh = src + 128 + 32 * h;
            const uint8_t *scales = src + 192 + 8 * h;
            for (int k = 0; k < 4; k++) {
                for (int l = 0; l < 32; l++) {
                    uint8_t low_byte = ql[l + 32 * (k % 2)];
                    int low = k < 2 ? low_byte & 0x0F : low_byte >> 4;
                    int q = (low | (((qh[l] >> (2 * k)) & 3) << 4)) - 32;
                    float sc = (float)(int8_t)scales[2 * k + l / 16];
                    dst[128 * h + 32 * k + l] = d * sc * (float)q;
                }
            }
        }
    }
}

/* IQ4_NL's 16 levels (ggml's kvalues_iq4nl), denser near zero where weights cluster. */
static const int8_t iq4_levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* IQ4_NL, 18 bytes per 32 values: d f16 | qs u8[16] (indices, nibbles as Q4_0). w = d * level[q]. */
static void decode_iq4_nl(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 18, dst += 32) {
        float d = read_f16(src);
        const uint8_t *qs = src + 2;
        for (int j = 0; j < 16; j++) {
            dst[j] = d * (float)iq4_levels[qs[j] & 0x0F];
            dst[j + 16] = d * (float)iq4_levels[qs[j] >> 4];
        }
    }
}

/* IQ4_XS, 136 bytes per 256 values: d f16 | scales_h u16 LE (bits 2s..2s+1: high bits of sub-block s's scale) |
 * scales_l u8[4] (nibble s%2 of byte s/2: low bits) | qs u8[128] (16 bytes per sub-block of 32, nibbles as
 * Q4_0). w = d * (ls - 32) * level[q]. */
static void decode_iq4_xs(const uint8_t *src, int64_t blocks, float *dst)
{
    for (int64_t b = 0; b < blocks; b++, src += 136, dst += 256) {
        float d = read_f16(src);
        uint16_t scales_h = read_u16(src + 2);
        for (int s = 0; s < 8; s++) {
            int ls = ((src[4 + s / 2] >> (4 * (s % 2))) & 0x0F) | (((scales_h >> (2 * s)) & 3) << 4);
            float dl = d * (float)(ls - 32);
            const uint8_t *qs = src + 8 + 16 * s;
            for (int j = 0; j < 16; j++) {
                dst[32 * s + j] = dl * (float)iq4_levels[qs[j] & 0x0F];
                dst[32 * s + 16 + j] = dl * (float)iq4_levels[qs[j] >> 4];
            }
        }
    }
}

void ref_decode_row(uint32_t dtype, const uint8_t *src, int64_t n, float *dst)
{
    switch (dtype) {
    case MB_DTYPE_F32:
        memcpy(dst, src, (size_t)n * sizeof(float));
        break;
    case MB_DTYPE_F16:
        for (int64_t i = 0; i < n; i++)
            dst[i] = read_f16(src + 2 * i);
        break;
    case MB_DTYPE_BF16:
        for (int64_t i = 0; i < n; i++)
            dst[i] = ref_bf16_to_f32(read_u16(src + 2 * i));
        break;
    case MB_DTYPE_Q4_0: decode_q4_0(src, n / 32, dst); break;
    case MB_DTYPE_Q4_1: decode_q4_1(src, n / 32, dst); break;
    case MB_DTYPE_Q5_0: decode_q5_0(src, n / 32, dst); break;
    case MB_DTYPE_Q5_1: decode_q5_1(src, n / 32, dst); break;
    case MB_DTYPE_Q8_0: decode_q8_0(src, n / 32, dst); break;
    case MB_DTYPE_Q2_K: decode_q2_k(src, n / 256, dst); break;
    case MB_DTYPE_Q3_K: decode_q3_k(src, n / 256, dst); break;
    case MB_DTYPE_Q4_K: decode_q4_k(src, n / 256, dst); break;
    case MB_DTYPE_Q5_K: decode_q5_k(src, n / 256, dst); break;
    case MB_DTYPE_Q6_K: decode_q6_k(src, n / 256, dst); break;
    case MB_DTYPE_IQ4_NL: decode_iq4_nl(src, n / 32, dst); break;
    case MB_DTYPE_IQ4_XS: decode_iq4_xs(src, n / 256, dst); break;
    default:
        /* Callers validate the dtype first; zeros rather than garbage if one ever does not. */
        memset(dst, 0, (size_t)n * sizeof(float));
        break;
    }
}

/* ------------------------------------------------------------------------------------------------------ */
/* Activation rounding, as Meridian's ActivationQuantReference (and ggml's Q8_0 activations): per block of 32,
 * amax = max |x|, d = amax / 127, q = round-half-to-even(x * 127 / amax), x' = q * d. Quantized weights are
 * dotted against x' rather than x; that is what Meridian's CPU backend computes, so its greedy tokens and this
 * plugin's agree. nearbyintf rounds half to even under the default rounding mode, which nothing here changes. */
void ref_round_activations_q8(const float *x, int64_t n, float *dst)
{
    for (int64_t b = 0; b < n / 32; b++) {
        const float *xb = x + 32 * b;
        float *yb = dst + 32 * b;
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) {
            float a = fabsf(xb[j]);
            if (a > amax)
                amax = a;
        }
        float d = amax / 127.0f;
        float id = amax > 0.0f ? 127.0f / amax : 0.0f;
        for (int j = 0; j < 32; j++) {
            float q = nearbyintf(xb[j] * id); /* an integer in [-127, 127], kept as a float */
            yb[j] = q * d;
        }
    }
}
