#version 450
// dst[i, :] = decode(table row ids[i])  (ReferenceOps.EmbeddingLookupReference). table: [V, d] in the
// TYPE_* block format (a row is row_bytes(d) bytes); ids: [t] i32; dst: [t, d] f32.
// Grid-stride over t * d, so any group count works: min(ceil(t*d/64), 65535) or t. A negative id (a host
// bug) reads nothing and writes zeros.
#include "dequant.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 table, ids, dst; uint t, d; } pc;

void main()
{
    uint total = pc.t * pc.d;
    uint stride = gl_NumWorkGroups.x * WG;
    uint rb = row_bytes(pc.d);
    uint dfull = (pc.d / QK) * QK; // a quantized row holds whole blocks; never read past them
    I32Ptr ids = I32Ptr(pc.ids);
    F32Ptr dst = F32Ptr(pc.dst);
    for (uint i = gl_GlobalInvocationID.x; i < total; i += stride)
    {
        uint r = i / pc.d, j = i - r * pc.d;
        int id = ids.v[r];
        float v = 0.0;
        if (id >= 0 && j < dfull)
            v = dq(addr_row(pc.table, uint(id), rb), j);
        dst.v[i] = v;
        if (total - i <= stride) break;
    }
}
