#version 450
// dst[i] = gelu(gate[i]) * up[i], GELU's tanh form (ReferenceOps.GeGluReference), written as
// g / (1 + exp(-2 sqrt(2/pi) (g + 0.044715 g^3))) so a large |g| saturates instead of overflowing tanh.
// dst may alias either input. Grid-stride over n; any group count works (host: min(ceil(n/64), 65535)).
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 gate, up, dst; uint n; } pc;

void main()
{
    uint stride = gl_NumWorkGroups.x * WG;
    F32Ptr gate = F32Ptr(pc.gate), up = F32Ptr(pc.up), dst = F32Ptr(pc.dst);
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride)
    {
        float g = gate.v[i];
        float u = up.v[i];
        dst.v[i] = g / (1.0 + exp(g * (-1.5957691216057308 - 0.07135481627159349 * g * g))) * u;
        if (pc.n - i <= stride) break;
    }
}
