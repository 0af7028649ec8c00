#version 450
// y[tt, nn] = sum_k x[tt, k] * w[nn, k], as matmul.comp, for devices that run shaders on a CPU (lavapipe): one
// invocation per weight row, the whole dot product in ascending k order in that invocation, so no shared
// memory and no barriers (which llvmpipe runs as coroutine switches: they made matmul.comp's tree reduction the
// bulk of a step there). Rows: nn = (group.y * groups.x + group.x) * 64 + lane (host: ceil(n / 64) groups, 2-D
// past the x limit). Tokens in chunks of TCH; a token's sum never depends on t, so batching never changes a result.
#include "dequant.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 w, x, y; uint n, k, t; } pc;

#define TCH 8u

void main()
{
    uint nn = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * WG + gl_LocalInvocationID.x;
    if (nn >= pc.n)
        return;
    uvec2 wrow = addr_row(pc.w, nn, row_bytes(pc.k));
    uint kfull = (pc.k / QK) * QK;
    uint units = kfull / 32u;
    uint tail = units * 32u;

    for (uint t0 = 0u; t0 < pc.t; t0 += TCH)
    {
        uint tc = min(TCH, pc.t - t0);
        float acc[TCH];
        for (uint q = 0u; q < TCH; q++) acc[q] = 0.0;
        for (uint u = 0u; u < units; u++)
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
        for (uint j = tail; j < kfull; j++)
        {
            float wj = dq(wrow, j);
            for (uint q = 0u; q < TCH; q++)
            {
                if (q < tc)
                    acc[q] += F32Ptr(addr_row(pc.x, t0 + q, pc.k * 4u)).v[j] * wj;
            }
        }
        for (uint q = 0u; q < tc; q++)
            F32Ptr(addr_row(pc.y, t0 + q, pc.n * 4u)).v[nn] = acc[q];
    }
}
