#version 450
// dst[r, c] = a[r, c] + b[b_rows == 1 ? 0 : r, c]  (ReferenceOps.AddReference). dst may alias a.
// Grid-stride over rows * cols; any group count works (host: min(ceil(rows*cols/64), 65535)).
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 a, b, dst; uint rows, cols, b_rows; } pc;

void main()
{
    uint total = pc.rows * pc.cols;
    uint stride = gl_NumWorkGroups.x * WG;
    F32Ptr a = F32Ptr(pc.a), b = F32Ptr(pc.b), dst = F32Ptr(pc.dst);
    for (uint i = gl_GlobalInvocationID.x; i < total; i += stride)
    {
        uint bi = pc.b_rows == 1u ? i % pc.cols : i;
        dst.v[i] = a.v[i] + b.v[bi];
        if (total - i <= stride) break; // i + stride would pass total (or wrap)
    }
}
