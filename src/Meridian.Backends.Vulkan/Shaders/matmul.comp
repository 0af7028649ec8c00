#version 450
// y[tt, nn] = sum_k x[tt, k] * w[nn, k]  (ReferenceOps.MatMulReference). w: [n, k] in the TYPE_* block
// format; x: [t, k] f32 (used as is); y: [t, n] f32. f32 accumulation.
// One workgroup per weight row: nn = group.y * groups.x + group.x (host: (n, 1), or (X, ceil(n / X)) past
// the x limit). Tokens go in chunks of TCH; thread l takes the 32-value groups l, l+64, ... of the row,
// decodes each once per chunk and accumulates every token of the chunk in ascending k order; then a fixed
// shared-memory tree adds the 64 partial sums. A token's sum never depends on t or on which chunk it is
// in, so batching never changes a result.
#include "dequant.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 w, x, y; uint n, k, t; } pc;

#define TCH 8u
shared float red[TCH][64];

void main()
{
    uint nn = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (nn >= pc.n)
        return; // uniform over the workgroup
    uint lid = gl_LocalInvocationID.x;
    uvec2 wrow = addr_row(pc.w, nn, row_bytes(pc.k));
    uint kfull = (pc.k / QK) * QK;  // whole blocks only (quantized k is a multiple of QK)
    uint units = kfull / 32u;        // full 32-value groups
    uint tail = units * 32u;         // f32/f16/bf16: the last kfull - tail (< 32) values

    for (uint t0 = 0u; t0 < pc.t; t0 += TCH)
    {
        uint tc = min(TCH, pc.t - t0);
        float acc[TCH];
        for (uint q = 0u; q < TCH; q++) acc[q] = 0.0;

        for (uint u = lid; u < units; u += WG)
        {
            float wv[32];
            dq32(wrow, u, wv);
            for (uint q = 0u; q < TCH; q++)
            {
                if (q < tc)
                {
                    F32Ptr xr = F32Ptr(addr_row(pc.x, t0 + q, pc.k * 4u));
                    float s = acc[q];
                    for (uint i = 0u; i < 32u; i++)
                        s += xr.v[32u * u + i] * wv[i];
                    acc[q] = s;
                }
            }
        }
        if (tail + lid < kfull)
        {
            float wj = dq(wrow, tail + lid);
            for (uint q = 0u; q < TCH; q++)
            {
                if (q < tc)
                    acc[q] += F32Ptr(addr_row(pc.x, t0 + q, pc.k * 4u)).v[tail + lid] * wj;
            }
        }

        for (uint q = 0u; q < TCH; q++) red[q][lid] = acc[q];
        barrier();
        for (uint s = WG / 2u; s > 0u; s >>= 1)
        {
            if (lid < s)
            {
                for (uint q = 0u; q < TCH; q++) red[q][lid] += red[q][lid + s];
            }
            barrier();
        }
        if (lid < tc)
            F32Ptr(addr_row(pc.y, t0 + lid, pc.n * 4u)).v[nn] = red[lid][0];
        barrier(); // red is rewritten by the next chunk
    }
}
