#version 450
// Each cols-wide row: ss = sum x^2; scale = 1 / sqrt(ss / cols + eps); dst = w * (scale * x)
// (ReferenceOps.RmsNormReference). One workgroup per row: row = group.y * groups.x + group.x, so the host
// may dispatch (rows, 1) or, past the x limit, (X, ceil(rows / X)). dst may equal x.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 x, w, dst; uint rows, cols; float eps; } pc;

shared float red[64];

void main()
{
    uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (row >= pc.rows || pc.cols == 0u)
        return; // uniform over the workgroup
    uint lid = gl_LocalInvocationID.x;
    F32Ptr x = F32Ptr(addr_row(pc.x, row, pc.cols * 4u));
    F32Ptr dst = F32Ptr(addr_row(pc.dst, row, pc.cols * 4u));
    F32Ptr w = F32Ptr(pc.w);

    float ss = 0.0;
    for (uint i = lid; i < pc.cols; i += WG)
    {
        float v = x.v[i];
        ss += v * v;
    }
    red[lid] = ss;
    barrier();
    for (uint s = WG / 2u; s > 0u; s >>= 1)
    {
        if (lid < s)
            red[lid] += red[lid + s];
        barrier();
    }
    float scale = 1.0 / sqrt(red[0] / float(pc.cols) + pc.eps);
    // each thread rewrites only the elements it read itself, so dst == x is safe
    for (uint i = lid; i < pc.cols; i += WG)
        dst.v[i] = w.v[i] * (scale * x.v[i]);
}
