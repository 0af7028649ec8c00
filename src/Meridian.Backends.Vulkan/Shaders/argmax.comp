#version 450
// dst[r] = index of the largest value of row r; ties -> lowest index; NaN never wins; a row of NaN
// (or an empty row) gives 0 (ReferenceOps.ArgMaxReference). Compared as integers (an order-preserving
// map of the f32 bits, -0 folded onto +0) so that no device's denormal flushing or NaN handling can
// change the answer. One workgroup per row: row = group.y * groups.x + group.x. dst i32.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 x, dst; uint rows, cols; } pc;

shared uint skey[64];
shared uint sidx[64];

// 0 for NaN (never wins); otherwise a key that orders like the float, -inf -> 0x007FFFFF > 0
uint order_key(uint b)
{
    if ((b & 0x7FFFFFFFu) > 0x7F800000u) return 0u;
    if ((b & 0x7FFFFFFFu) == 0u) b = 0u; // -0 == +0
    return (b & 0x80000000u) != 0u ? ~b : (b | 0x80000000u);
}

void main()
{
    uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (row >= pc.rows)
        return;
    uint lid = gl_LocalInvocationID.x;
    U32Ptr x = U32Ptr(addr_row(pc.x, row, pc.cols * 4u));

    uint bk = 0u, bi = 0u;
    for (uint i = lid; i < pc.cols; i += WG)
    {
        uint k = order_key(x.v[i]);
        if (k > bk) { bk = k; bi = i; } // ascending i: strict > keeps the lowest index
    }
    skey[lid] = bk;
    sidx[lid] = bi;
    barrier();
    for (uint s = WG / 2u; s > 0u; s >>= 1)
    {
        if (lid < s)
        {
            uint k2 = skey[lid + s], i2 = sidx[lid + s];
            uint k1 = skey[lid], i1 = sidx[lid];
            if (k2 > k1 || (k2 == k1 && k2 != 0u && i2 < i1))
            {
                skey[lid] = k2;
                sidx[lid] = i2;
            }
        }
        barrier();
    }
    if (lid == 0u)
        I32Ptr(pc.dst).v[row] = skey[0] == 0u ? 0 : int(sidx[0]);
}
