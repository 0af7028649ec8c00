#version 450
// Softmax of each cols-wide row of x in place: max, e = exp(x - max), sum, e / sum
// (ReferenceOps.SoftmaxReference). One workgroup per row: row = group.y * groups.x + group.x.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 x; uint rows, cols; } pc;

shared float red[64];

void main()
{
    uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (row >= pc.rows || pc.cols == 0u)
        return;
    uint lid = gl_LocalInvocationID.x;
    F32Ptr x = F32Ptr(addr_row(pc.x, row, pc.cols * 4u));

    float m = uintBitsToFloat(0xFF800000u); // -inf
    for (uint i = lid; i < pc.cols; i += WG)
        m = max(m, x.v[i]);
    red[lid] = m;
    barrier();
    for (uint s = WG / 2u; s > 0u; s >>= 1)
    {
        if (lid < s)
            red[lid] = max(red[lid], red[lid + s]);
        barrier();
    }
    float mx = red[0];
    barrier(); // everyone has read red[0] before it is reused

    float sum = 0.0;
    for (uint i = lid; i < pc.cols; i += WG)
    {
        float e = exp(x.v[i] - mx);
        x.v[i] = e; // this thread reads it back below; no other thread touches it
        sum += e;
    }
    red[lid] = sum;
    barrier();
    for (uint s = WG / 2u; s > 0u; s >>= 1)
    {
        if (lid < s)
            red[lid] += red[lid + s];
        barrier();
    }
    float total = red[0];
    for (uint i = lid; i < pc.cols; i += WG)
        x.v[i] = x.v[i] / total;
}
