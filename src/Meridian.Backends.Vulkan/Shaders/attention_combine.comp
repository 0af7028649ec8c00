#version 450
// Merges the chunks of a split paged attention (paged_attention.comp with -DSPLIT): for each (query row, head),
// over the chunks that hold keys of the row in ascending order, M = max m_s, w_s = exp(m_s - M),
// L = sum l_s * w_s, dst = (sum acc_s * w_s) * (1 / L). The sums start from the first chunk's terms (not from 0),
// so a row with one chunk gets acc * (1 / l), the unsplit kernel's bits. Rows no sequence owns are left untouched.
// One workgroup per (row, head): dispatch x = T, y = H.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC
{
    uvec2 seqs, part, dst;
    uint num_seqs, num_heads, head_dim, window, splits;
} pc;

#define CHUNK 256u

void main()
{
    uint row = gl_WorkGroupID.x, h = gl_WorkGroupID.y;
    uint lid = gl_LocalInvocationID.x;
    uint H = pc.num_heads, Dh = pc.head_dim;
    if (h >= H || Dh == 0u || Dh > 256u)
        return;
    I32Ptr seqs = I32Ptr(pc.seqs);
    int qrow = 0, spos = 0;
    bool found = false;
    for (uint s = 0u; s < pc.num_seqs; s++)
    {
        int r0 = seqs.v[4u * s], cnt = seqs.v[4u * s + 1u];
        if (int(row) >= r0 && int(row) - r0 < cnt)
        {
            qrow = r0; spos = seqs.v[4u * s + 2u];
            found = true;
            break;
        }
    }
    if (!found)
        return;
    int p = spos + (int(row) - qrow);
    int first = pc.window > 0u ? max(0, p - int(pc.window) + 1) : 0;
    uint s0 = uint(first) / CHUNK, s1 = min(uint(p) / CHUNK, pc.splits - 1u); // the chunks holding keys first..p

    uvec2 base = addr_row(pc.part, (row * H + h) * pc.splits, (Dh + 2u) * 4u);
    float M = F32Ptr(addr_row(base, s0, (Dh + 2u) * 4u)).v[0];
    for (uint s = s0 + 1u; s <= s1; s++)
        M = max(M, F32Ptr(addr_row(base, s, (Dh + 2u) * 4u)).v[0]);

    F32Ptr op = F32Ptr(addr_row(pc.dst, row, H * Dh * 4u));
    for (uint c = lid; c < Dh; c += WG)
    {
        F32Ptr part = F32Ptr(addr_row(base, s0, (Dh + 2u) * 4u));
        float w = exp(part.v[0] - M);
        float L = part.v[1] * w;
        float o = part.v[2u + c] * w;
        for (uint s = s0 + 1u; s <= s1; s++)
        {
            part = F32Ptr(addr_row(base, s, (Dh + 2u) * 4u));
            w = exp(part.v[0] - M);
            L += part.v[1] * w;
            o += part.v[2u + c] * w;
        }
        op.v[h * Dh + c] = o * (L > 0.0 ? 1.0 / L : 0.0);
    }
}
