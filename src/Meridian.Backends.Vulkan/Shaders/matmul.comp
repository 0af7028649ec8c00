#version 450
// y[tt, nn] = sum_k x[tt, k] * w[nn, k]  (ReferenceOps.MatMulReference). w: [n, k] in the TYPE_* block
// format; x: [t, k] f32 (used as is); y: [t, n] f32. f32 accumulation.
//
// One work group of 64 lanes per tile of TM weight rows (TM = 1: the matrix-vector kernel for one token; TM = 4: the
// tiled kernel for prefill and batches) by TCH = 8 tokens: tile = group.y * groups.x + group.x (host: (tiles, 1), or
// (X, ceil(tiles / X)) past the x limit). Lane l takes the 32-value groups l, l+64, ... of the rows, decodes each
// group of each row once per token chunk and accumulates every token of the chunk (TM x TCH sums in registers: each
// weight decoded is used TCH times, each activation TM times), in ascending k order; then the 64 partial sums of each
// output are added by a fixed tree (lane j += lane j + s for s = 32, 16, ..., 1).
//
// Every output is the same sequence of float operations whatever TM, the chunk it falls in, t, or how the tree is
// run, so the tiled and the matrix-vector kernels give the same bits and batching never changes a result. The tree
// runs in shared memory, or with SUBGROUP through shared memory only for the levels wider than a subgroup and by
// subgroupShuffleXor within one (lane j's partner j ^ s is j + s for j < s: the same additions, no barriers).
// Lanes are numbered gl_SubgroupID * gl_SubgroupSize + gl_SubgroupInvocationID there, so that subgroup 0 holds
// lanes 0 .. size - 1 on any device; the host picks SUBGROUP only for power-of-two subgroups of at most 64 lanes.
#include "dequant.glsl"
#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 w, x, y; uint n, k, t; } pc;

#ifndef TM
#define TM 1u
#endif
#define TCH 8u
#define E (TM * TCH)
shared float red[E][64];

void main()
{
    uint n0 = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * TM;
    if (n0 >= pc.n)
        return; // uniform over the workgroup
    uint rows = min(TM, pc.n - n0);
#ifdef SUBGROUP
    uint lid = gl_SubgroupID * gl_SubgroupSize + gl_SubgroupInvocationID;
    uint sg = gl_SubgroupSize;
#else
    uint lid = gl_LocalInvocationID.x;
    uint sg = 1u;
#endif
    uvec2 wrow[TM];
    for (uint r = 0u; r < TM; r++)
        wrow[r] = addr_row(pc.w, n0 + min(r, rows - 1u), row_bytes(pc.k));
    uint kfull = (pc.k / QK) * QK;  // whole blocks only (quantized k is a multiple of QK)
    uint units = kfull / 32u;        // full 32-value groups
    uint tail = units * 32u;         // f32/f16/bf16: the last kfull - tail (< 32) values

    for (uint t0 = 0u; t0 < pc.t; t0 += TCH)
    {
        uint tc = min(TCH, pc.t - t0);
        float acc[E];
        for (uint e = 0u; e < E; e++) acc[e] = 0.0;

        for (uint u = lid; u < units; u += WG)
        {
            for (uint r = 0u; r < TM; r++)
            {
                if (r < rows)
                {
                    float wv[32];
                    dq32(wrow[r], u, wv);
                    for (uint q = 0u; q < TCH; q++)
                    {
                        if (q < tc)
                        {
                            F32Ptr xr = F32Ptr(addr_row(pc.x, t0 + q, pc.k * 4u));
                            float s = acc[r * TCH + q];
                            for (uint i = 0u; i < 32u; i++)
                                s += xr.v[32u * u + i] * wv[i];
                            acc[r * TCH + q] = s;
                        }
                    }
                }
            }
        }
        if (tail + lid < kfull)
        {
            for (uint r = 0u; r < TM; r++)
            {
                if (r < rows)
                {
                    float wj = dq(wrow[r], tail + lid);
                    for (uint q = 0u; q < TCH; q++)
                    {
                        if (q < tc)
                            acc[r * TCH + q] += F32Ptr(addr_row(pc.x, t0 + q, pc.k * 4u)).v[tail + lid] * wj;
                    }
                }
            }
        }

        for (uint e = 0u; e < E; e++) red[e][lid] = acc[e];
        barrier();
        for (uint s = WG / 2u; s >= sg; s >>= 1)
        {
            if (lid < s)
            {
                for (uint e = 0u; e < E; e++) red[e][lid] += red[e][lid + s];
            }
            barrier();
        }
#ifdef SUBGROUP
        if (gl_SubgroupID == 0u)
        {
            float total[E];
            for (uint e = 0u; e < E; e++)
            {
                float v = red[e][lid];
                for (uint s = sg / 2u; s > 0u; s >>= 1)
                    v += subgroupShuffleXor(v, s);
                total[e] = v;
            }
            if (lid == 0u)
            {
                for (uint e = 0u; e < E; e++) red[e][0] = total[e];
            }
        }
        barrier();
#endif
        if (lid < E)
        {
            uint r = lid / TCH, q = lid % TCH;
            if (r < rows && q < tc)
                F32Ptr(addr_row(pc.y, t0 + q, pc.n * 4u)).v[n0 + r] = red[lid][0];
        }
        barrier(); // red is rewritten by the next chunk
    }
}
