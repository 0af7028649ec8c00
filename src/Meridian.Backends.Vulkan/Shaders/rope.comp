#version 450
// Rotary position embedding in place (ReferenceOps.RopeReference). x: [t, heads * head_dim] f32; pos: [t]
// i32; freq: [rot_dim / 2] f32 (read only when has_freq != 0). Within the first rot_dim dimensions of each
// head (the rest pass through), for i < rot_dim / 2:
//   f = theta^(-2i / rot_dim) [/ freq[i]], angle = pos * f (f32, as the reference),
//   (a, b) = (2i, 2i + 1) when rotate_half == 0, (i, i + rot_dim / 2) when 1,
//   c, s = cos(angle) * attn_factor, sin(angle) * attn_factor,
//   x[a], x[b] = x[a] c - x[b] s, x[a] s + x[b] c.
// Positions reach thousands, so angles do too; a few ulps off in f or in a built-in sin/cos outside
// [-pi, pi] (whose precision Vulkan leaves open) would break the 1e-6 bound. So f is computed as the
// reference's MathF.Pow does it (exponent -2i/head_dim rounded to f32 first, then theta^e with an
// extended-precision log2 and exp2 in f32 pieces: within about an ulp), and sin/cos get an explicit
// Cody-Waite reduction by pi/2 (three-part constant, fma) and Taylor polynomials on [-pi/4, pi/4].
// Grid-stride over t * heads * (head_dim / 2); any group count works.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC
{
    uvec2 x, pos, freq;
    uint t, heads, head_dim, rotate_half, has_freq;
    float theta;
    uint rot_dim;
    float attn_factor;
} pc;

// a / b rounded to nearest (one correction step of the residual, which fma makes exact)
float div_rn(float a, float b)
{
    precise float q = a / b;
    precise float r = fma(-q, b, a);
    precise float q2 = q + r / b;
    return q2;
}

// theta^e for theta > 0 (normal), |e| <= 1: log2(theta) = E + log2(m), m in [sqrt(1/2), sqrt(2)).
float pow_theta(float theta, float e)
{
    uint b = floatBitsToUint(theta);
    int E = int((b >> 23) & 0xFFu) - 127;
    float m = uintBitsToFloat((b & 0x7FFFFFu) | 0x3F800000u);
    if (m > 1.41421356) { m *= 0.5; E += 1; }
    // ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716: series to s^13 (error < 1e-11)
    precise float f = m - 1.0;                    // exact
    precise float s = div_rn(f, 2.0 + f);
    precise float z = s * s;
    precise float poly = 1.0 + z * (1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z * (1.0 / 9.0
                   + z * (1.0 / 11.0 + z * (1.0 / 13.0))))));
    precise float lm = (2.0 * s * poly) * 1.4426950408889634; // log2(m), |lm| <= 0.5
    // y = e * (E + lm) with e * E exact: e split in two 12-bit halves, E a small integer
    float e1 = uintBitsToFloat(floatBitsToUint(e) & 0xFFFFF000u);
    precise float e2 = e - e1;                    // exact
    precise float A = e1 * float(E);              // exact
    precise float B = e2 * float(E);              // exact
    precise float C = e * lm;
    float n = round(A + B + C);
    precise float fr = ((A - n) + B) + C;         // A - n exact; |fr| <= ~0.5
    // 2^fr = exp(fr ln 2), Taylor to r^9 on |r| <= 0.35 (error < 3e-11)
    precise float r = fr * 0.6931471805599453;
    precise float ex = 1.0 + r * (1.0 + r * (1.0 / 2.0 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0
                     + r * (1.0 / 720.0 + r * (1.0 / 5040.0 + r * (1.0 / 40320.0 + r * (1.0 / 362880.0)))))))));
    return ldexp(ex, int(n));
}

// (sin a, cos a) for |a| up to about 1e5 with an error of an ulp or two.
vec2 sincos_f(float a)
{
    float k = round(a * 0.63661977236758134);
    precise float r = fma(-k, 1.5707963705062866, a);    // exact
    r = fma(-k, -4.371138828673793e-08, r);
    r = fma(-k, -1.7151245100058819e-15, r);
    precise float z = r * r;
    precise float sr = r + r * z * (-1.0 / 6.0 + z * (1.0 / 120.0 + z * (-1.0 / 5040.0 + z * (1.0 / 362880.0
                     + z * (-1.0 / 39916800.0 + z * (1.0 / 6227020800.0))))));
    precise float cr = 1.0 + z * (-0.5 + z * (1.0 / 24.0 + z * (-1.0 / 720.0 + z * (1.0 / 40320.0
                     + z * (-1.0 / 3628800.0 + z * (1.0 / 479001600.0))))));
    int q = int(k) & 3;
    if (q == 0) return vec2(sr, cr);
    if (q == 1) return vec2(cr, -sr);
    if (q == 2) return vec2(-sr, -cr);
    return vec2(-cr, sr);
}

void main()
{
    uint half_ = pc.rot_dim / 2u;
    uint total = pc.t * pc.heads * half_;
    uint stride = gl_NumWorkGroups.x * WG;
    uint width = pc.heads * pc.head_dim;
    F32Ptr x = F32Ptr(pc.x);
    I32Ptr pos = I32Ptr(pc.pos);
    F32Ptr ff = F32Ptr(pc.freq);
    for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += stride)
    {
        uint i = idx % half_;
        uint th = idx / half_;
        uint h = th % pc.heads, tt = th / pc.heads;

        float e = div_rn(-2.0 * float(i), float(pc.rot_dim)); // the reference's -2f * i / rot
        float f = pow_theta(pc.theta, e);
        if (pc.has_freq != 0u)
            f = div_rn(f, ff.v[i]);
        precise float angle = float(pos.v[tt]) * f;
        vec2 sc = sincos_f(angle);
        if (pc.attn_factor != 1.0)
        {
            precise float sn = sc.x * pc.attn_factor;
            precise float cs = sc.y * pc.attn_factor;
            sc = vec2(sn, cs);
        }

        uint base = tt * width + h * pc.head_dim;
        uint ia = base + (pc.rotate_half != 0u ? i : 2u * i);
        uint ib = base + (pc.rotate_half != 0u ? i + half_ : 2u * i + 1u);
        float x0 = x.v[ia], x1 = x.v[ib];
        x.v[ia] = x0 * sc.y - x1 * sc.x;
        x.v[ib] = x0 * sc.x + x1 * sc.y;
        if (total - idx <= stride) break;
    }
}
