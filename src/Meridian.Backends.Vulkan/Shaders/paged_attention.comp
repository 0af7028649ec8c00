#version 450
// Paged grouped-query attention (ReferenceOps.PagedAttentionReference / AttentionReference).
// q, dst: [T, H * Dh] f32; k, v: caches [blocks * block_size, Hkv * Dh], f32, or f16 with -DKV_F16;
// seqs: [num_seqs, 4] i32 (query_row, query_count, start_pos, table_offset); tables: i32 block tables.
// One workgroup per (query row, head): dispatch x = T, y = H. The workgroup finds the sequence that owns
// its row (a row no sequence owns is left untouched, as by the reference), takes p = start_pos +
// (row - query_row), and attends over keys j in [window > 0 ? max(0, p - window + 1) : 0, p], key j at
// cache row tables[table_offset + j / block_size] * block_size + j % block_size, kv head h / (H / Hkv).
// Score = (q . k) * scale, then softcap * tanh(score / softcap) when softcap > 0. Softmax and the
// weighted sum of v run online over tiles of 64 keys in ascending order (running max and sum, rescaled
// per tile), the same order whatever the batch. head_dim <= 256 (larger: nothing is written).
//
// With -DSPLIT (long contexts: the host dispatches z = splits when the longest sequence has more than CHUNK keys)
// workgroup (row, head, s) runs the same loop over the keys of chunk s only, j in [s * CHUNK, (s + 1) * CHUNK), and
// writes its running max, sum and unnormalised output [m, l, acc[Dh]] to the partials buffer, entry
// (row * H + head) * splits + s; attention_combine.comp then merges the chunks. Chunk bounds are absolute positions,
// so how a row is split depends on its own keys only: a row whose keys all fall in chunk 0 gives the same bits
// either way, and a longer one is split the same way in any batch.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(push_constant, std430) uniform PC
{
    uvec2 q, k, v, seqs, tables, dst;
    uint num_seqs, num_heads, num_kv_heads, head_dim, block_size, window;
    float scale, softcap;
#ifdef SPLIT
    uvec2 part;
    uint splits;
#endif
} pc;

#define CHUNK 256u // keys per split (keep in step with VulkanKernels.AttentionChunk)

#define MAX_DH 256u
#define DPT (MAX_DH / WG) // output dims per thread

#if defined(KV_F16)
#define KV_ES 2u
float kv_load(uvec2 p, uint c) { return half_to_float(uint(U16Ptr(p).v[c])); }
#else
#define KV_ES 4u
float kv_load(uvec2 p, uint c) { return F32Ptr(p).v[c]; }
#endif

shared float q_sh[MAX_DH];
shared float s_sh[64];
shared float p_sh[64];
shared uint row_sh[64];

// tanh without the inf / inf of exp-based forms at large |x|; a series near 0 avoids cancellation
float tanh_f(float x)
{
    float ax = abs(x);
    float t;
    if (ax < 0.125)
    {
        float z = ax * ax;
        t = ax * (1.0 + z * (-1.0 / 3.0 + z * (2.0 / 15.0 + z * (-17.0 / 315.0))));
    }
    else
    {
        float e = exp(-2.0 * ax);
        t = (1.0 - e) / (1.0 + e);
    }
    return x < 0.0 ? -t : t;
}

void main()
{
    uint row = gl_WorkGroupID.x, h = gl_WorkGroupID.y;
    uint lid = gl_LocalInvocationID.x;
    uint H = pc.num_heads, Hkv = pc.num_kv_heads, Dh = pc.head_dim, bs = pc.block_size;
    if (h >= H || Hkv == 0u || H % Hkv != 0u || Dh == 0u || Dh > MAX_DH || bs == 0u)
        return; // uniform over the workgroup

    // the sequence owning this row (every thread scans the same, so the branch stays uniform)
    I32Ptr seqs = I32Ptr(pc.seqs);
    int qrow = 0, spos = 0, toff = 0;
    bool found = false;
    for (uint s = 0u; s < pc.num_seqs; s++)
    {
        int r0 = seqs.v[4u * s], cnt = seqs.v[4u * s + 1u];
        if (int(row) >= r0 && int(row) - r0 < cnt)
        {
            qrow = r0; spos = seqs.v[4u * s + 2u]; toff = seqs.v[4u * s + 3u];
            found = true;
            break;
        }
    }
    if (!found)
        return;
    int p = spos + (int(row) - qrow);
    int first = pc.window > 0u ? max(0, p - int(pc.window) + 1) : 0;
#ifdef SPLIT
    uint split = gl_WorkGroupID.z;
    int lo = max(first, int(split * CHUNK)), hi = min(p, int((split + 1u) * CHUNK) - 1);
#else
    int lo = first, hi = p;
#endif
    uint kvh = h / (H / Hkv);
    uint qWidth = H * Dh, kvWidth = Hkv * Dh;
    I32Ptr tables = I32Ptr(pc.tables);

    F32Ptr qp = F32Ptr(addr_row(pc.q, row, qWidth * 4u));
    for (uint c = lid; c < Dh; c += WG)
        q_sh[c] = qp.v[h * Dh + c];
    barrier();

    float acc[DPT];
    for (uint i = 0u; i < DPT; i++) acc[i] = 0.0;
    float m = uintBitsToFloat(0xFF800000u); // -inf: no key yet
    float l = 0.0;
    bool any = false;

    for (int j0 = lo; j0 <= hi; j0 += int(WG))
    {
        uint cnt = uint(min(int(WG), hi - j0 + 1));
        // 1. thread lid scores key j0 + lid
        if (lid < cnt)
        {
            uint j = uint(j0) + lid;
            uint crow = uint(tables.v[uint(toff) + j / bs]) * bs + j % bs;
            uvec2 kp = addr_add(addr_row(pc.k, crow, kvWidth * KV_ES), kvh * Dh * KV_ES);
            float s = 0.0;
            for (uint c = 0u; c < Dh; c++)
                s += q_sh[c] * kv_load(kp, c);
            s *= pc.scale;
            if (pc.softcap > 0.0)
                s = pc.softcap * tanh_f(s / pc.softcap);
            s_sh[lid] = s;
            row_sh[lid] = crow;
        }
        barrier();
        // 2. the tile's max (every thread, same order), then each key's weight once
        float tmax = s_sh[0];
        for (uint i = 1u; i < cnt; i++) tmax = max(tmax, s_sh[i]);
        float mnew = any ? max(m, tmax) : tmax;
        if (lid < cnt)
            p_sh[lid] = exp(s_sh[lid] - mnew);
        barrier();
        // 3. rescale the running sums and add the tile, keys in ascending order
        float corr = any ? exp(m - mnew) : 0.0;
        l *= corr;
        for (uint i = 0u; i < DPT; i++) acc[i] *= corr;
        for (uint jj = 0u; jj < cnt; jj++)
        {
            float pj = p_sh[jj];
            l += pj;
            uvec2 vp = addr_add(addr_row(pc.v, row_sh[jj], kvWidth * KV_ES), kvh * Dh * KV_ES);
            for (uint i = 0u; i < DPT; i++)
            {
                uint c = lid + i * WG;
                if (c < Dh)
                    acc[i] += pj * kv_load(vp, c);
            }
        }
        m = mnew;
        any = true;
        barrier(); // s_sh, p_sh, row_sh are rewritten by the next tile
    }

#ifdef SPLIT
    F32Ptr part = F32Ptr(addr_row(pc.part, (row * H + h) * pc.splits + split, (Dh + 2u) * 4u));
    if (lid == 0u)
    {
        part.v[0] = m;
        part.v[1] = l;
    }
    for (uint i = 0u; i < DPT; i++)
    {
        uint c = lid + i * WG;
        if (c < Dh)
            part.v[2u + c] = acc[i];
    }
#else
    F32Ptr op = F32Ptr(addr_row(pc.dst, row, qWidth * 4u));
    float inv = l > 0.0 ? 1.0 / l : 0.0;
    for (uint i = 0u; i < DPT; i++)
    {
        uint c = lid + i * WG;
        if (c < Dh)
            op.v[h * Dh + c] = acc[i] * inv;
    }
#endif
}
