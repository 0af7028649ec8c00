#version 450
// dst[rows[i], :] = src[i, :]  (ReferenceOps.ScatterRowsReference / ScatterRowsF16Reference).
// Default: f32 -> f32 as raw 32-bit words (bit exact). -DDST_F16: f32 -> f16 rounded to nearest even
// with integer operations (float_to_half_bits; System.Half's result for every input).
// Grid-stride over t * cols; any group count works. A negative row index (a host bug) writes nothing.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 src, rows, dst; uint t, cols; } pc;

void main()
{
    uint total = pc.t * pc.cols;
    uint stride = gl_NumWorkGroups.x * WG;
    I32Ptr rows = I32Ptr(pc.rows);
    U32Ptr src = U32Ptr(pc.src);
    for (uint i = gl_GlobalInvocationID.x; i < total; i += stride)
    {
        uint r = i / pc.cols, c = i - r * pc.cols;
        int dr = rows.v[r];
        if (dr >= 0)
        {
            uint v = src.v[i];
#if defined(DST_F16)
            U16Ptr(addr_row(pc.dst, uint(dr), pc.cols * 2u)).v[c] = uint16_t(float_to_half_bits(v));
#else
            U32Ptr(addr_row(pc.dst, uint(dr), pc.cols * 4u)).v[c] = v;
#endif
        }
        if (total - i <= stride) break;
    }
}
