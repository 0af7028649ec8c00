/*
 * reference_ops.c: the twelve ops of contract v1, in scalar C, on operands reference_api.c has already checked
 * (dtypes, shapes, contiguity, bounds). What is left to check here is data: the indexes read from i32 tensors.
 * The maths follows Meridian's C# references (src/Meridian.Core/Ops/ReferenceOps*.cs); each op says where.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "reference.h"

/* ------------------------------------------------------------------------------------------------------ */
/* Helpers. */

/* OpenMP splits the matmul over weight rows and attention over query rows; without it the same loops run on
 * one thread. Each thread owns a slice of scratch, found by its index. */
static int thread_count(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

static int thread_index(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

float ref_dot_f32(const float *a, const float *b, int64_t n)
{
    /* Eight running sums, lane j taking elements i + j: a fixed order (the same answer whatever the thread
     * count or vector width), and independent chains the compiler can keep in vector registers. */
    float s[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 8; j++)
            s[j] += a[i + j] * b[i + j];
    }
    for (int j = 0; i + j < n; j++)
        s[j] += a[i + j] * b[i + j];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

static const float *f32_row(const ref_view *v, int64_t row) { return (const float *)(v->data + (uint64_t)row * v->row_bytes); }

static float *f32_row_mut(const ref_view *v, int64_t row) { return (float *)(v->data + (uint64_t)row * v->row_bytes); }

static const int32_t *i32_data(const ref_view *v) { return (const int32_t *)v->data; }

/* ------------------------------------------------------------------------------------------------------ */
/* EMBEDDING_LOOKUP: src[0] table [V, D] any decodable dtype, src[1] ids [T, 1] i32 -> dst [T, D] f32.
 * dst[t] = table[ids[t]] decoded (ReferenceOps.EmbeddingLookupReference). */
mb_status ref_op_embedding_lookup(const ref_args *a, char *msg)
{
    const ref_view *table = &a->src[0], *ids = &a->src[1], *dst = &a->dst;
    const int32_t *id = i32_data(ids);
    for (int32_t t = 0; t < ids->rows; t++) { /* every id first, so a bad one writes nothing */
        if (id[t] < 0 || id[t] >= table->rows)
            return ref_fail(msg, MB_ERR_INVALID_ARGUMENT, "embedding_lookup: src[1] ids[%d] = %d is outside the table's %d rows",
                            (int)t, (int)id[t], (int)table->rows);
    }
    for (int32_t t = 0; t < ids->rows; t++)
        ref_decode_row(table->dtype, table->data + (uint64_t)id[t] * table->row_bytes, table->cols, f32_row_mut(dst, t));
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* MATMUL: src[0] w [N, K] any decodable dtype, src[1] x [T, K] f32 -> dst y [T, N] f32, y[t, n] = sum_k x[t, k] *
 * w[n, k] (ReferenceOps.MatMulReference).
 *
 * For the weight types Meridian's CPU backend dots against 8-bit activations, x is first rounded the same way
 * (ref_round_activations_q8), so the two backends compute the same function up to summation order. Then each
 * weight row is decoded once into a per-thread [K] f32 buffer and dotted with every token row of x. Weight rows
 * are split over threads: each y[t, n] is computed by one thread in one fixed order, so the result does not
 * depend on the thread count.
 *
 * This is where a vendor's plugin does its real work: a tiled kernel that reads the blocks directly, with the
 * activations quantized once per step. The reference keeps to "decode, then dot" so it is easy to check. */

/* 1 when Meridian's CPU backend dots `dtype` weights against activations rounded to 8 bits (its MatMulKernels
 * .ActivationsFor): the 32-value block types when K is whole blocks of 32, the K-quants it has kernels for when
 * K is whole blocks of 256. */
static int rounds_activations(uint32_t dtype, int64_t k)
{
    switch (dtype) {
    case MB_DTYPE_Q4_0:
    case MB_DTYPE_Q4_1:
    case MB_DTYPE_Q5_0:
    case MB_DTYPE_Q5_1:
    case MB_DTYPE_Q8_0:
    case MB_DTYPE_IQ4_NL:
        return k % 32 == 0;
    case MB_DTYPE_Q4_K:
    case MB_DTYPE_Q5_K:
    case MB_DTYPE_Q6_K:
        return k % 256 == 0;
    default:
        return 0;
    }
}

mb_status ref_op_matmul(const ref_args *a, char *msg)
{
    const ref_view *w = &a->src[0], *x = &a->src[1], *y = &a->dst;
    const int32_t n_rows = w->rows, k = w->cols, tokens = x->rows;
    if (n_rows == 0 || tokens == 0)
        return MB_OK;
    if (k == 0) { /* an empty sum */
        for (int32_t t = 0; t < tokens; t++)
            memset(f32_row_mut(y, t), 0, (size_t)n_rows * sizeof(float));
        return MB_OK;
    }

    /* xs: [T, K] f32, x itself or x rounded to 8 bits per block (in its own buffer: x is the host's). */
    const float *xs = (const float *)x->data;
    float *rounded = NULL;
    if (rounds_activations(w->dtype, k)) {
        rounded = malloc((size_t)tokens * (size_t)k * sizeof(float));
        if (rounded == NULL)
            return ref_fail(msg, MB_ERR_OUT_OF_MEMORY, "matmul: no host memory to round %d x %d activations", (int)tokens, (int)k);
        for (int32_t t = 0; t < tokens; t++)
            ref_round_activations_q8(f32_row(x, t), k, rounded + (size_t)t * (size_t)k);
        xs = rounded;
    }

    /* scratch: [threads, K] f32, one decoded weight row per thread (f32 weights are read in place). */
    float *scratch = NULL;
    if (w->dtype != MB_DTYPE_F32) {
        scratch = malloc((size_t)thread_count() * (size_t)k * sizeof(float));
        if (scratch == NULL) {
            free(rounded);
            return ref_fail(msg, MB_ERR_OUT_OF_MEMORY, "matmul: no host memory for %d decoded rows of %d values", thread_count(), (int)k);
        }
    }

    float *out = (float *)y->data; /* [T, N] f32, row stride N (checked contiguous) */
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (int32_t n = 0; n < n_rows; n++) {
        const uint8_t *w_row = w->data + (uint64_t)n * w->row_bytes;
        const float *row; /* [K] f32 */
        if (w->dtype == MB_DTYPE_F32) {
            row = (const float *)w_row;
        } else {
            float *mine = scratch + (size_t)thread_index() * (size_t)k;
            ref_decode_row(w->dtype, w_row, k, mine);
            row = mine;
        }
        for (int32_t t = 0; t < tokens; t++)
            out[(size_t)t * (size_t)n_rows + (size_t)n] = ref_dot_f32(xs + (size_t)t * (size_t)k, row, k);
    }

    free(scratch);
    free(rounded);
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* RMS_NORM: src[0] x [R, C] f32, src[1] weight [1, C] f32 -> dst [R, C] f32 (dst may be x).
 * dst[r] = weight * (x[r] * (1 / sqrt(mean(x[r]^2) + eps))), the sum of squares in f32 in index order, as
 * ReferenceOps.RmsNormReference. */
mb_status ref_op_rms_norm(const ref_args *a, char *msg)
{
    (void)msg;
    const ref_view *x = &a->src[0], *dst = &a->dst;
    const float *w = f32_row(&a->src[1], 0);
    const int32_t c = x->cols;
    const float eps = a->params.rms_norm.eps;
    if (c == 0)
        return MB_OK;
    for (int32_t r = 0; r < x->rows; r++) {
        const float *row = f32_row(x, r);
        float *out = f32_row_mut(dst, r);
        float ss = 0.0f;
        for (int32_t i = 0; i < c; i++)
            ss += row[i] * row[i];
        float scale = 1.0f / sqrtf(ss / (float)c + eps);
        for (int32_t i = 0; i < c; i++) /* out may be row: each element is read before it is written */
            out[i] = w[i] * (scale * row[i]);
    }
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* ROPE: src[0] x [T, H*Dh] f32 rotated in place, src[1] positions [T, 1] i32, src[2] divisors [1, Dh/2] f32 or
 * absent. Pair i of a head turns by angle pos * theta^(-2i/Dh) / divisor[i], computed in f32 with powf, cosf and
 * sinf exactly as ReferenceOps.RopeReference and the CPU backend's RopeJob (.NET's MathF calls the C library):
 *   x[a] = x0 * cos - x1 * sin,  x[b] = x0 * sin + x1 * cos,
 * with (a, b) = (2i, 2i+1) for MB_ROPE_INTERLEAVED and (i, i + Dh/2) for MB_ROPE_ROTATE_HALF. */
mb_status ref_op_rope(const ref_args *a, char *msg)
{
    const ref_view *x = &a->src[0], *positions = &a->src[1];
    const int32_t dh = (int32_t)a->params.rope.head_dim, half = dh / 2;
    const int interleaved = a->params.rope.layout == MB_ROPE_INTERLEAVED;
    const float theta = a->params.rope.theta;
    const int32_t *pos = i32_data(positions);

    for (int32_t t = 0; t < positions->rows; t++) { /* every position first, so a bad one rotates nothing */
        if (pos[t] < 0)
            return ref_fail(msg, MB_ERR_INVALID_ARGUMENT, "rope: src[1] positions[%d] = %d is negative", (int)t, (int)pos[t]);
    }
    if (half == 0 || x->rows == 0)
        return MB_OK;

    float *freq = malloc((size_t)half * sizeof(float)); /* [Dh/2] f32 */
    if (freq == NULL)
        return ref_fail(msg, MB_ERR_OUT_OF_MEMORY, "rope: no host memory for %d frequencies", (int)half);
    const float *divisors = a->has_src[2] ? f32_row(&a->src[2], 0) : NULL;
    for (int32_t i = 0; i < half; i++) {
        freq[i] = powf(theta, -2.0f * (float)i / (float)dh);
        if (divisors != NULL)
            freq[i] /= divisors[i];
    }

    const int32_t heads = x->cols / dh;
    for (int32_t t = 0; t < x->rows; t++) {
        float *row = f32_row_mut(x, t);
        for (int32_t i = 0; i < half; i++) {
            float angle = (float)pos[t] * freq[i];
            float cs = cosf(angle), sn = sinf(angle);
            int32_t ia = interleaved ? 2 * i : i;
            int32_t ib = interleaved ? 2 * i + 1 : i + half;
            for (int32_t h = 0; h < heads; h++) {
                float *head = row + (size_t)h * (size_t)dh;
                float x0 = head[ia], x1 = head[ib];
                head[ia] = x0 * cs - x1 * sn;
                head[ib] = x0 * sn + x1 * cs;
            }
        }
    }
    free(freq);
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* PAGED_ATTENTION: src[0] q [T, H*Dh] f32, src[1] key cache and src[2] value cache [blocks*block_size, Hkv*Dh]
 * f32 or f16, src[3] sequences [S, 4] i32 (query row, query count, start position, block table offset), src[4]
 * block tables [N, 1] i32 -> dst [T, H*Dh] f32 (ReferenceOps.PagedAttentionReference and AttentionReference).
 *
 * Query row QueryRow + i of a sequence sits at position p = StartPos + i and sees the key positions j with
 * j <= p and, with a sliding window W > 0, p - j < W. Position j lives in cache row
 * tables[offset + j / block_size] * block_size + j % block_size. Per head h (kv head h / (H / Hkv)):
 *   s_j = (q . k_j) * scale; s_j = softcap * tanh(s_j / softcap) when softcap > 0;
 *   a_j = exp(s_j - max s) / sum exp(s - max s);  out = sum_j a_j * v_j.
 * Everything the sequences and tables say is checked before anything is read through them. */

/* Row `row` of a cache, columns [col, col + n), as f32: a pointer into an f32 cache, or decoded into buf [n]. */
static const float *cache_row(const ref_view *cache, int64_t row, int32_t col, int32_t n, float *buf)
{
    const uint8_t *start = cache->data + (uint64_t)row * cache->row_bytes;
    if (cache->dtype == MB_DTYPE_F32)
        return (const float *)start + col;
    ref_decode_row(MB_DTYPE_F16, start + (size_t)col * 2, n, buf);
    return buf;
}

mb_status ref_op_paged_attention(const ref_args *a, char *msg)
{
    const mb_attention_params *p = &a->params.attention;
    const ref_view *q = &a->src[0], *keys = &a->src[1], *values = &a->src[2];
    const ref_view *sequences = &a->src[3], *tables = &a->src[4], *dst = &a->dst;
    const int32_t heads = (int32_t)p->num_heads, head_dim = (int32_t)p->head_dim;
    const int32_t group = (int32_t)(p->num_heads / p->num_kv_heads);
    const int64_t block_size = p->block_size;
    const int64_t cache_blocks = keys->rows / block_size;
    const int32_t t_rows = q->rows;
    const int32_t *seq = i32_data(sequences); /* [S, 4] */
    const int32_t *table = i32_data(tables);  /* [N] */

    /* owner[r]: the sequence query row r belongs to; every row must belong to exactly one. */
    int32_t *owner = malloc((size_t)(t_rows > 0 ? t_rows : 1) * sizeof(int32_t));
    if (owner == NULL)
        return ref_fail(msg, MB_ERR_OUT_OF_MEMORY, "paged_attention: no host memory for %d query rows", (int)t_rows);
    for (int32_t r = 0; r < t_rows; r++)
        owner[r] = -1;

    int64_t longest = 0; /* the longest context: sizes the score scratch */
    mb_status status = MB_OK;
    for (int32_t s = 0; s < sequences->rows && status == MB_OK; s++) {
        int32_t query_row = seq[4 * s], query_count = seq[4 * s + 1], start = seq[4 * s + 2], offset = seq[4 * s + 3];
        if (query_count < 1 || query_row < 0 || (int64_t)query_row + query_count > t_rows || start < 0 || offset < 0) {
            status = ref_fail(msg, MB_ERR_INVALID_ARGUMENT,
                              "paged_attention: src[3] sequence %d (query row %d, count %d, start %d, table offset %d) does not fit "
                              "%d query rows (needs count >= 1, rows inside [0, %d), start and offset >= 0)",
                              (int)s, (int)query_row, (int)query_count, (int)start, (int)offset, (int)t_rows, (int)t_rows);
            break;
        }
        int64_t context = (int64_t)start + query_count;
        if (context > (int64_t)p->max_context_length) {
            status = ref_fail(msg, MB_ERR_INVALID_ARGUMENT,
                              "paged_attention: src[3] sequence %d attends over %lld positions, more than max_context_length %u",
                              (int)s, (long long)context, (unsigned)p->max_context_length);
            break;
        }
        int64_t blocks = (context + block_size - 1) / block_size;
        if ((int64_t)offset + blocks > tables->rows) {
            status = ref_fail(msg, MB_ERR_INVALID_ARGUMENT,
                              "paged_attention: src[4] block tables hold %d entries; sequence %d needs %lld from offset %d",
                              (int)tables->rows, (int)s, (long long)blocks, (int)offset);
            break;
        }
        for (int64_t b = 0; b < blocks; b++) {
            int32_t id = table[offset + b];
            if (id < 0 || id >= cache_blocks) {
                status = ref_fail(msg, MB_ERR_INVALID_ARGUMENT,
                                  "paged_attention: src[4] block tables: sequence %d, position %lld: block id %d is outside the cache of %lld blocks",
                                  (int)s, (long long)(b * block_size), (int)id, (long long)cache_blocks);
                break;
            }
        }
        for (int32_t r = query_row; r < query_row + query_count && status == MB_OK; r++) {
            if (owner[r] >= 0)
                status = ref_fail(msg, MB_ERR_INVALID_ARGUMENT, "paged_attention: src[3] query row %d belongs to both sequence %d and sequence %d",
                                  (int)r, (int)owner[r], (int)s);
            owner[r] = s;
        }
        if (context > longest)
            longest = context;
    }
    for (int32_t r = 0; r < t_rows && status == MB_OK; r++) {
        if (owner[r] < 0)
            status = ref_fail(msg, MB_ERR_INVALID_ARGUMENT, "paged_attention: query row %d of %d belongs to no sequence in src[3]", (int)r, (int)t_rows);
    }
    if (status != MB_OK || t_rows == 0) {
        free(owner);
        return status;
    }

    /* Per thread: scores [longest] f32, then a decoded key row and value row [Dh] f32 each (f16 caches). */
    const size_t per_thread = (size_t)longest + 2 * (size_t)head_dim;
    float *scratch = malloc((size_t)thread_count() * per_thread * sizeof(float));
    if (scratch == NULL) {
        free(owner);
        return ref_fail(msg, MB_ERR_OUT_OF_MEMORY, "paged_attention: no host memory for scores over %lld positions", (long long)longest);
    }

#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (int32_t r = 0; r < t_rows; r++) {
        float *scores = scratch + (size_t)thread_index() * per_thread;
        float *k_buf = scores + longest, *v_buf = k_buf + head_dim;
        const int32_t *s = seq + 4 * owner[r];
        const int32_t offset = s[3];
        const int64_t position = (int64_t)s[2] + (r - s[0]);
        const int64_t first = p->sliding_window > 0 && position - p->sliding_window + 1 > 0 ? position - p->sliding_window + 1 : 0;
        for (int32_t h = 0; h < heads; h++) {
            const int32_t col = (h / group) * head_dim; /* first column of the kv head */
            const float *qh = f32_row(q, r) + (size_t)h * (size_t)head_dim;
            float max = -INFINITY;
            for (int64_t j = first; j <= position; j++) {
                int64_t row = (int64_t)table[offset + j / block_size] * block_size + j % block_size;
                float score = ref_dot_f32(qh, cache_row(keys, row, col, head_dim, k_buf), head_dim) * p->scale;
                if (p->softcap > 0.0f)
                    score = p->softcap * tanhf(score / p->softcap);
                scores[j - first] = score;
                if (score > max)
                    max = score;
            }
            float sum = 0.0f;
            for (int64_t j = first; j <= position; j++) {
                scores[j - first] = expf(scores[j - first] - max);
                sum += scores[j - first];
            }
            /* The scores are done with q's head, so writing dst here is safe even where dst is q. */
            float *out = f32_row_mut(dst, r) + (size_t)h * (size_t)head_dim;
            for (int32_t c = 0; c < head_dim; c++)
                out[c] = 0.0f;
            for (int64_t j = first; j <= position; j++) {
                int64_t row = (int64_t)table[offset + j / block_size] * block_size + j % block_size;
                const float *v = cache_row(values, row, col, head_dim, v_buf);
                float weight = scores[j - first] / sum;
                for (int32_t c = 0; c < head_dim; c++)
                    out[c] += weight * v[c];
            }
        }
    }

    free(scratch);
    free(owner);
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* SCATTER_ROWS: src[0] [T, C] f32, src[1] rows [T, 1] i32, distinct, in [0, R) -> dst [R, C] f32 or f16.
 * dst[rows[t]] = src[t]; into f16 each value rounds to nearest, ties to even (ReferenceOps.ScatterRowsF16Reference). */

static int compare_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

mb_status ref_op_scatter_rows(const ref_args *a, char *msg)
{
    const ref_view *src = &a->src[0], *rows = &a->src[1], *dst = &a->dst;
    const int32_t *row = i32_data(rows);
    const int32_t n = rows->rows, c = src->cols;
    if (n == 0)
        return MB_OK;

    /* Range first, then repeats (a repeated row would make the result depend on the order of writes): both on
     * a sorted copy, before anything is written. */
    int32_t *sorted = malloc((size_t)n * sizeof(int32_t));
    if (sorted == NULL)
        return ref_fail(msg, MB_ERR_OUT_OF_MEMORY, "scatter_rows: no host memory to check %d rows", (int)n);
    for (int32_t t = 0; t < n; t++) {
        if (row[t] < 0 || row[t] >= dst->rows) {
            free(sorted);
            return ref_fail(msg, MB_ERR_INVALID_ARGUMENT, "scatter_rows: src[1] rows[%d] = %d is outside dst's %d rows",
                            (int)t, (int)row[t], (int)dst->rows);
        }
        sorted[t] = row[t];
    }
    qsort(sorted, (size_t)n, sizeof(int32_t), compare_i32);
    for (int32_t t = 1; t < n; t++) {
        if (sorted[t] == sorted[t - 1]) {
            int32_t repeated = sorted[t];
            free(sorted);
            return ref_fail(msg, MB_ERR_INVALID_ARGUMENT, "scatter_rows: src[1] names dst row %d more than once", (int)repeated);
        }
    }
    free(sorted);

    for (int32_t t = 0; t < n; t++) {
        const float *from = f32_row(src, t);
        uint8_t *to = dst->data + (uint64_t)row[t] * dst->row_bytes;
        if (dst->dtype == MB_DTYPE_F32) {
            memcpy(to, from, (size_t)c * sizeof(float));
        } else {
            for (int32_t i = 0; i < c; i++) { /* little-endian binary16 */
                uint16_t h = ref_f32_to_f16(from[i]);
                to[2 * i] = (uint8_t)(h & 0xFF);
                to[2 * i + 1] = (uint8_t)(h >> 8);
            }
        }
    }
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* GATHER_ROWS: src[0] [R, C] f32, src[1] rows [N, 1] i32 in [0, R) -> dst [N, C] f32, dst[i] = src[rows[i]]. */
mb_status ref_op_gather_rows(const ref_args *a, char *msg)
{
    const ref_view *src = &a->src[0], *rows = &a->src[1], *dst = &a->dst;
    const int32_t *row = i32_data(rows);
    for (int32_t i = 0; i < rows->rows; i++) {
        if (row[i] < 0 || row[i] >= src->rows)
            return ref_fail(msg, MB_ERR_INVALID_ARGUMENT, "gather_rows: src[1] rows[%d] = %d is outside src[0]'s %d rows",
                            (int)i, (int)row[i], (int)src->rows);
    }
    for (int32_t i = 0; i < rows->rows; i++)
        memcpy(f32_row_mut(dst, i), f32_row(src, row[i]), (size_t)src->cols * sizeof(float));
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* SWIGLU: src[0] gate, src[1] up, dst, all [T, F] f32 (dst may be either input):
 * dst = gate / (1 + exp(-gate)) * up (ReferenceOps.SwiGluReference). */
mb_status ref_op_swiglu(const ref_args *a, char *msg)
{
    (void)msg;
    const float *gate = (const float *)a->src[0].data, *up = (const float *)a->src[1].data;
    float *out = (float *)a->dst.data;
    const int64_t n = (int64_t)a->dst.rows * a->dst.cols;
    for (int64_t i = 0; i < n; i++) {
        float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* ADD: src[0] a [R, C] f32, src[1] b [R, C] or [1, C] f32 (one row added to every row) -> dst [R, C] f32 (dst
 * may be a). */
mb_status ref_op_add(const ref_args *a, char *msg)
{
    (void)msg;
    const ref_view *x = &a->src[0], *b = &a->src[1], *dst = &a->dst;
    const int broadcast = b->rows == 1;
    for (int32_t r = 0; r < x->rows; r++) {
        const float *xr = f32_row(x, r), *br = f32_row(b, broadcast ? 0 : r);
        float *out = f32_row_mut(dst, r);
        for (int32_t i = 0; i < x->cols; i++)
            out[i] = xr[i] + br[i];
    }
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* SOFTMAX: src[0] x [R, C] f32, each row in place: exp(x - max) / sum (ReferenceOps.SoftmaxReference). */
mb_status ref_op_softmax(const ref_args *a, char *msg)
{
    (void)msg;
    const ref_view *x = &a->src[0];
    for (int32_t r = 0; r < x->rows && x->cols > 0; r++) {
        float *row = f32_row_mut(x, r);
        float max = -INFINITY;
        for (int32_t i = 0; i < x->cols; i++) {
            if (row[i] > max)
                max = row[i];
        }
        float sum = 0.0f;
        for (int32_t i = 0; i < x->cols; i++) {
            row[i] = expf(row[i] - max);
            sum += row[i];
        }
        for (int32_t i = 0; i < x->cols; i++)
            row[i] /= sum;
    }
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* COPY: src[0] -> dst, same dtype and byte length: a byte copy (memmove, so even overlapping views are safe). */
mb_status ref_op_copy(const ref_args *a, char *msg)
{
    (void)msg;
    memmove(a->dst.data, a->src[0].data, (size_t)a->src[0].bytes);
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* ARGMAX: src[0] x [R, C] f32 -> dst [R, 1] i32: the index of each row's largest value, the lowest on ties; NaN
 * never wins and a row of only NaN gives 0 (ReferenceOps.ArgMaxReference). */
mb_status ref_op_argmax(const ref_args *a, char *msg)
{
    (void)msg;
    const ref_view *x = &a->src[0];
    int32_t *out = (int32_t *)a->dst.data;
    for (int32_t r = 0; r < x->rows; r++) {
        const float *row = f32_row(x, r);
        int32_t best = 0;
        float max = 0.0f;
        int found = 0;
        for (int32_t i = 0; i < x->cols; i++) {
            float v = row[i];
            if (isnan(v))
                continue;
            if (!found || v > max) { /* strictly greater: the first of equal values stays */
                max = v;
                best = i;
                found = 1;
            }
        }
        out[r] = best;
    }
    return MB_OK;
}
