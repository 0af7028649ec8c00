#version 450
// Element-wise scaling, in place or not (dst may alias x). Grid-stride over n (host: min(ceil(n/64), 65535)).
//   default:    dst[i] = x[i] * s                    (ReferenceOps.ScaleReference)
//   -DSOFTCAP:  dst[i] = s * tanh(x[i] / s), s > 0   (ReferenceOps.SoftcapReference)
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC { uvec2 x, dst; uint n; float s; } pc;

void main()
{
    uint stride = gl_NumWorkGroups.x * WG;
    F32Ptr x = F32Ptr(pc.x), dst = F32Ptr(pc.dst);
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride)
    {
#ifdef SOFTCAP
        // tanh(y) = 1 - 2 / (exp(2y) + 1): exp saturates to inf or 0 for large |y|, so the result stays in [-1, 1]
        float y = x.v[i] / pc.s;
        dst.v[i] = pc.s * (1.0 - 2.0 / (exp(2.0 * y) + 1.0));
#else
        dst.v[i] = x.v[i] * pc.s;
#endif
        if (pc.n - i <= stride) break;
    }
}
