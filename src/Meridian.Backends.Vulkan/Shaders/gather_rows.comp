#version 450
// dst[i, :] = src[rows[i], :]  (ReferenceOps.GatherRowsReference), f32 copied as raw 32-bit words (bit
// exact, NaN payloads included). Grid-stride over n * cols; any group count works. A negative row index
// (a host bug) reads nothing and writes zeros.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 src, rows, dst; uint n, cols; } pc;

void main()
{
    uint total = pc.n * pc.cols;
    uint stride = gl_NumWorkGroups.x * WG;
    I32Ptr rows = I32Ptr(pc.rows);
    U32Ptr dst = U32Ptr(pc.dst);
    for (uint i = gl_GlobalInvocationID.x; i < total; i += stride)
    {
        uint r = i / pc.cols, c = i - r * pc.cols;
        int sr = rows.v[r];
        uint v = 0u;
        if (sr >= 0)
            v = U32Ptr(addr_row(pc.src, uint(sr), pc.cols * 4u)).v[c];
        dst.v[i] = v;
        if (total - i <= stride) break;
    }
}
