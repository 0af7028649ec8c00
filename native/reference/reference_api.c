/*
 * reference_api.c: the reference plugin's side of meridian_backend.h. The function table and the two exports,
 * the one device, buffers, contexts (with sticky errors), events, and step submission, where every op is checked
 * at the boundary before any of them runs. The ops themselves are in reference_ops.c.
 *
 * Everything runs synchronously, inside the call, on the host CPU. A real device would do the checks here the
 * same way, then record the step into a command buffer (or graph), launch it on the context's stream and
 * return; context_synchronize and event_synchronize would be where the host actually waits. The places where
 * that differs are marked "A real device".
 *
 * Over 800 lines because the boundary checks of every op live here, together, where a vendor copies them from.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* sysconf */
#endif

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <unistd.h>
#endif

#include "reference.h"

#define PLUGIN_NAME "reference-c"
#define PLUGIN_VERSION "1.0.0"
#define DEVICE_NAME "reference (scalar C)"

/* ------------------------------------------------------------------------------------------------------ */
/* Messages. */

mb_status ref_fail(char *msg, mb_status status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(msg, REF_MESSAGE_SIZE, format, args);
    va_end(args);
    return status;
}

/* The message of a failed call that had no device to keep it on (device_count, device_open, or any device call
 * given a NULL device); device_last_error(NULL) returns it. One per library, which is enough for a host that
 * opens its devices from one thread. */
static char library_error[REF_MESSAGE_SIZE];

/* Fails a device-level call: the message goes to the device (or the library when there is none). */
static mb_status device_fail(mb_device *device, mb_status status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(device != NULL ? device->last_error : library_error, REF_MESSAGE_SIZE, format, args);
    va_end(args);
    return status;
}

/* Fails a call on a context and puts the context in error: from now on every call on it returns this status
 * and does nothing (the sticky rule of meridian_backend.h). Only the first error is kept. */
static mb_status context_fail(mb_context *context, mb_status status, const char *format, ...)
{
    if (context->status != MB_OK)
        return context->status;
    va_list args;
    va_start(args, format);
    vsnprintf(context->last_error, REF_MESSAGE_SIZE, format, args);
    va_end(args);
    context->status = status;
    return status;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Devices. The reference plugin has exactly one: the host CPU, seen through scalar C. */

/* Physical RAM in bytes: what buffers can come from. */
static uint64_t physical_memory_bytes(void)
{
#if defined(_WIN32)
    MEMORYSTATUSEX status;
    status.dwLength = sizeof status;
    if (GlobalMemoryStatusEx(&status))
        return (uint64_t)status.ullTotalPhys;
#elif defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page_size > 0)
        return (uint64_t)pages * (uint64_t)page_size;
#endif
    return (uint64_t)8 << 30; /* unknown: assume 8 GiB rather than refuse every allocation */
}

static mb_status device_count(int32_t *count)
{
    if (count == NULL)
        return device_fail(NULL, MB_ERR_INVALID_ARGUMENT, "device_count: count is NULL");
    *count = 1;
    return MB_OK;
}

static mb_status device_open(int32_t index, mb_device **device)
{
    if (device == NULL)
        return device_fail(NULL, MB_ERR_INVALID_ARGUMENT, "device_open: device is NULL");
    *device = NULL;
    if (index != 0)
        return device_fail(NULL, MB_ERR_INVALID_ARGUMENT, "device_open: index %d is out of range; the reference plugin has 1 device (index 0)",
                           (int)index);
    /* A real device would start its driver here and create its default queue. */
    mb_device *opened = calloc(1, sizeof *opened);
    if (opened == NULL)
        return device_fail(NULL, MB_ERR_OUT_OF_MEMORY, "device_open: no host memory for the device");
    opened->memory_bytes = physical_memory_bytes();
    *device = opened;
    return MB_OK;
}

static void device_close(mb_device *device) { free(device); }

static mb_status device_props(mb_device *device, mb_device_props *props)
{
    if (device == NULL)
        return device_fail(NULL, MB_ERR_INVALID_ARGUMENT, "device_props: device is NULL");
    if (props == NULL)
        return device_fail(device, MB_ERR_INVALID_ARGUMENT, "device_props: props is NULL");
    if (props->struct_size < MB_DEVICE_PROPS_STRUCT_SIZE)
        return device_fail(device, MB_ERR_INVALID_ARGUMENT, "device_props: struct_size %zu is smaller than MB_DEVICE_PROPS_STRUCT_SIZE (%zu)",
                           props->struct_size, (size_t)MB_DEVICE_PROPS_STRUCT_SIZE);
    /* Only the 1.0 fields are ours to fill: struct_size and next belong to the host, and a later minor's fields
     * (past MB_DEVICE_PROPS_STRUCT_SIZE) are left as the host set them. */
    memset(props->name, 0, sizeof props->name);
    memcpy(props->name, DEVICE_NAME, sizeof DEVICE_NAME);
    props->kind = MB_DEVICE_CPU;
    props->reserved = 0;
    props->memory_bytes = device->memory_bytes;
    props->max_allocation_bytes = device->memory_bytes;
    props->alignment = REF_ALIGNMENT;
    return MB_OK;
}

static const char *device_last_error(mb_device *device) { return device != NULL ? device->last_error : library_error; }

/* ------------------------------------------------------------------------------------------------------ */
/* What the device runs: op by dtype, and the dtype every operand must have. */

/* Operand dtypes per op, src[0..4] then dst: an MB_DTYPE_*, KEYED (the dtype the op is keyed on, see
 * keyed_operand), or NONE (no such operand). */
#define KEYED (-1)
#define NONE (-2)
static const int32_t operand_dtypes[MB_OP_COUNT][MB_MAX_SRC + 1] = {
    /* EMBEDDING_LOOKUP: table, ids -> f32 */ {KEYED, MB_DTYPE_I32, NONE, NONE, NONE, MB_DTYPE_F32},
    /* MATMUL: w, x -> y */ {KEYED, MB_DTYPE_F32, NONE, NONE, NONE, MB_DTYPE_F32},
    /* RMS_NORM: x, weight -> dst */ {MB_DTYPE_F32, MB_DTYPE_F32, NONE, NONE, NONE, MB_DTYPE_F32},
    /* ROPE: x, positions, divisors -> x */ {MB_DTYPE_F32, MB_DTYPE_I32, MB_DTYPE_F32, NONE, NONE, MB_DTYPE_F32},
    /* PAGED_ATTENTION: q, key cache, value cache, sequences, block tables -> dst */
    {MB_DTYPE_F32, KEYED, KEYED, MB_DTYPE_I32, MB_DTYPE_I32, MB_DTYPE_F32},
    /* SCATTER_ROWS: src, rows -> cache */ {MB_DTYPE_F32, MB_DTYPE_I32, NONE, NONE, NONE, KEYED},
    /* GATHER_ROWS: src, rows -> dst */ {MB_DTYPE_F32, MB_DTYPE_I32, NONE, NONE, NONE, MB_DTYPE_F32},
    /* SWIGLU: gate, up -> dst */ {MB_DTYPE_F32, MB_DTYPE_F32, NONE, NONE, NONE, MB_DTYPE_F32},
    /* ADD: a, b -> dst */ {MB_DTYPE_F32, MB_DTYPE_F32, NONE, NONE, NONE, MB_DTYPE_F32},
    /* SOFTMAX: x -> x */ {MB_DTYPE_F32, NONE, NONE, NONE, NONE, MB_DTYPE_F32},
    /* COPY: src -> dst */ {KEYED, NONE, NONE, NONE, NONE, KEYED},
    /* ARGMAX: x -> indexes */ {MB_DTYPE_F32, NONE, NONE, NONE, NONE, MB_DTYPE_I32},
};

/* How many operands each op takes (n_src): ROPE's frequency divisors are optional. */
static const uint32_t min_src[MB_OP_COUNT] = {2, 2, 2, 2, 5, 2, 2, 2, 2, 1, 1, 1};
static const uint32_t max_src[MB_OP_COUNT] = {2, 2, 2, 3, 5, 2, 2, 2, 2, 1, 1, 1};

/* Names for messages: the op as Meridian prints it, and each operand as the header names it. */
static const char *const op_names[MB_OP_COUNT] = {"embedding_lookup", "matmul", "rms_norm", "rope", "paged_attention", "scatter_rows",
                                                  "gather_rows", "swiglu", "add", "softmax", "copy", "argmax"};
static const char *const operand_names[MB_OP_COUNT][MB_MAX_SRC + 1] = {
    {"src[0] table", "src[1] ids", "", "", "", "dst"},
    {"src[0] w", "src[1] x", "", "", "", "dst y"},
    {"src[0] x", "src[1] weight", "", "", "", "dst"},
    {"src[0] x", "src[1] positions", "src[2] divisors", "", "", "dst"},
    {"src[0] q", "src[1] key cache", "src[2] value cache", "src[3] sequences", "src[4] block tables", "dst"},
    {"src[0] src", "src[1] rows", "", "", "", "dst cache"},
    {"src[0] src", "src[1] rows", "", "", "", "dst"},
    {"src[0] gate", "src[1] up", "", "", "", "dst"},
    {"src[0] a", "src[1] b", "", "", "", "dst"},
    {"src[0] x", "", "", "", "", "dst"},
    {"src[0] src", "", "", "", "", "dst"},
    {"src[0] x", "", "", "", "", "dst"},
};

/* Which operand carries the dtype an op is keyed on (what device_supports is asked about): the cache for
 * PAGED_ATTENTION (src[1]) and SCATTER_ROWS (dst), src[0] for the rest. Index MB_MAX_SRC means dst. */
static int keyed_operand(uint32_t op)
{
    if (op == MB_OP_PAGED_ATTENTION)
        return 1;
    if (op == MB_OP_SCATTER_ROWS)
        return MB_MAX_SRC;
    return 0;
}

static const mb_tensor *operand(const mb_op *op, int i) { return i == MB_MAX_SRC ? &op->dst : &op->src[i]; }

/* 1 when the device runs `op` keyed on `dtype`. */
static int runs(uint32_t op, uint32_t dtype)
{
    const ref_dtype_info *info = ref_dtype(dtype);
    if (info == NULL)
        return 0;
    switch (op) {
    case MB_OP_MATMUL:
    case MB_OP_EMBEDDING_LOOKUP:
        return info->decodable; /* f32, f16, bf16 and every quantized type */
    case MB_OP_COPY:
        return 1; /* the same, plus i32 */
    case MB_OP_PAGED_ATTENTION:
    case MB_OP_SCATTER_ROWS:
        return dtype == MB_DTYPE_F32 || dtype == MB_DTYPE_F16;
    case MB_OP_RMS_NORM:
    case MB_OP_ROPE:
    case MB_OP_GATHER_ROWS:
    case MB_OP_SWIGLU:
    case MB_OP_ADD:
    case MB_OP_SOFTMAX:
    case MB_OP_ARGMAX:
        return dtype == MB_DTYPE_F32;
    default:
        return 0;
    }
}

/* The answer to device_supports for one descriptor. With n_src = 0 (a bare "op on dtype" question) only the
 * keyed operand's dtype is read; otherwise every operand up to n_src and dst must have the dtype the header
 * gives it. Shapes and buffers are not looked at; params only where a value could be one this device lacks. */
static int supports(const mb_op *op)
{
    if (op->op >= MB_OP_COUNT)
        return 0;
    const int keyed = keyed_operand(op->op);
    const uint32_t keyed_dtype = operand(op, keyed)->dtype;
    if (!runs(op->op, keyed_dtype))
        return 0;
    if (op->op == MB_OP_ROPE && op->params.rope.layout > MB_ROPE_ROTATE_HALF)
        return 0;
    if (op->n_src == 0)
        return 1;
    if (op->n_src < min_src[op->op] || op->n_src > max_src[op->op])
        return 0;
    for (int i = 0; i <= MB_MAX_SRC; i++) {
        if (i < MB_MAX_SRC && (uint32_t)i >= op->n_src)
            continue;
        int32_t want = operand_dtypes[op->op][i];
        uint32_t have = operand(op, i)->dtype;
        if (want == KEYED ? have != keyed_dtype : (uint32_t)want != have)
            return 0;
    }
    return 1;
}

static mb_status device_supports(mb_device *device, const mb_op *op, int32_t *supported)
{
    if (device == NULL)
        return device_fail(NULL, MB_ERR_INVALID_ARGUMENT, "device_supports: device is NULL");
    if (op == NULL || supported == NULL)
        return device_fail(device, MB_ERR_INVALID_ARGUMENT, "device_supports: %s is NULL", op == NULL ? "op" : "supported");
    if (op->struct_size < MB_OP_STRUCT_SIZE)
        return device_fail(device, MB_ERR_INVALID_ARGUMENT, "device_supports: op struct_size %zu is smaller than MB_OP_STRUCT_SIZE (%zu)",
                           op->struct_size, (size_t)MB_OP_STRUCT_SIZE);
    *supported = supports(op);
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Buffers: zeroed host memory starting on a REF_ALIGNMENT boundary. calloc gives the zeros; over-allocating by
 * REF_ALIGNMENT and rounding the start up gives the alignment, in portable C (aligned_alloc is missing from
 * MSVC). */

static mb_status buffer_alloc(mb_device *device, uint64_t size, uint32_t usage, mb_buffer **buffer)
{
    if (device == NULL)
        return device_fail(NULL, MB_ERR_INVALID_ARGUMENT, "buffer_alloc: device is NULL");
    if (buffer == NULL)
        return device_fail(device, MB_ERR_INVALID_ARGUMENT, "buffer_alloc: buffer is NULL");
    *buffer = NULL;
    if (usage > MB_USAGE_SCRATCH)
        return device_fail(device, MB_ERR_INVALID_ARGUMENT, "buffer_alloc: usage %u is not an MB_USAGE_* value", (unsigned)usage);
    if (size == 0)
        return device_fail(device, MB_ERR_INVALID_ARGUMENT, "buffer_alloc: size 0; a buffer holds at least one byte");
    if (size > device->memory_bytes || size > (uint64_t)SIZE_MAX - REF_ALIGNMENT)
        return device_fail(device, MB_ERR_OUT_OF_MEMORY, "buffer_alloc: %llu bytes is more than the largest allocation, %llu bytes",
                           (unsigned long long)size, (unsigned long long)device->memory_bytes);

    mb_buffer *b = calloc(1, sizeof *b);
    void *allocation = calloc(1, (size_t)size + REF_ALIGNMENT);
    if (b == NULL || allocation == NULL) {
        free(b);
        free(allocation);
        return device_fail(device, MB_ERR_OUT_OF_MEMORY, "buffer_alloc: the host has no %llu bytes to give", (unsigned long long)size);
    }
    uintptr_t start = ((uintptr_t)allocation + REF_ALIGNMENT - 1) & ~(uintptr_t)(REF_ALIGNMENT - 1);
    b->device = device;
    b->allocation = allocation;
    b->data = (uint8_t *)allocation + (start - (uintptr_t)allocation);
    b->size = size;
    b->usage = usage; /* A real device would place weights read-only and the KV cache in its fastest memory. */
    *buffer = b;
    return MB_OK;
}

static void buffer_free(mb_buffer *buffer)
{
    if (buffer == NULL)
        return;
    free(buffer->allocation);
    free(buffer);
}

/* 1 when [offset, offset + size) lies inside the buffer (without overflowing). */
static int in_buffer(const mb_buffer *buffer, uint64_t offset, uint64_t size)
{
    return offset <= buffer->size && size <= buffer->size - offset;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Contexts. A real device would create a stream (queue) here. */

static mb_status context_create(mb_device *device, mb_context **context)
{
    if (device == NULL)
        return device_fail(NULL, MB_ERR_INVALID_ARGUMENT, "context_create: device is NULL");
    if (context == NULL)
        return device_fail(device, MB_ERR_INVALID_ARGUMENT, "context_create: context is NULL");
    mb_context *c = calloc(1, sizeof *c);
    if (c == NULL) {
        *context = NULL;
        return device_fail(device, MB_ERR_OUT_OF_MEMORY, "context_create: no host memory for a context");
    }
    c->device = device;
    c->status = MB_OK;
    *context = c;
    return MB_OK;
}

static void context_destroy(mb_context *context) { free(context); }

static const char *context_last_error(mb_context *context)
{
    if (context == NULL)
        return "context_last_error: context is NULL";
    return context->last_error; /* calloc'd: "" until context_fail writes it */
}

/* Work done before returning (the header allows it, and the reference plugin has nothing to overlap with).
 * A real device would enqueue the copy on the context's stream and return at once. */

static mb_status buffer_write_async(mb_context *context, mb_buffer *dst, uint64_t dst_offset, const void *src, uint64_t size)
{
    if (context == NULL)
        return MB_ERR_INVALID_ARGUMENT;
    if (context->status != MB_OK)
        return context->status;
    if (dst == NULL || (src == NULL && size > 0))
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "buffer_write_async: %s is NULL", dst == NULL ? "dst" : "src");
    if (dst->device != context->device)
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "buffer_write_async: dst belongs to another device");
    if (!in_buffer(dst, dst_offset, size))
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "buffer_write_async: %llu bytes at offset %llu do not fit the %llu-byte dst buffer",
                            (unsigned long long)size, (unsigned long long)dst_offset, (unsigned long long)dst->size);
    if (size > 0)
        memcpy(dst->data + dst_offset, src, (size_t)size);
    return MB_OK;
}

static mb_status buffer_read_async(mb_context *context, mb_buffer *src, uint64_t src_offset, void *dst, uint64_t size)
{
    if (context == NULL)
        return MB_ERR_INVALID_ARGUMENT;
    if (context->status != MB_OK)
        return context->status;
    if (src == NULL || (dst == NULL && size > 0))
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "buffer_read_async: %s is NULL", src == NULL ? "src" : "dst");
    if (src->device != context->device)
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "buffer_read_async: src belongs to another device");
    if (!in_buffer(src, src_offset, size))
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "buffer_read_async: %llu bytes at offset %llu do not fit the %llu-byte src buffer",
                            (unsigned long long)size, (unsigned long long)src_offset, (unsigned long long)src->size);
    if (size > 0)
        memcpy(dst, src->data + src_offset, (size_t)size);
    return MB_OK;
}

static mb_status buffer_copy_async(mb_context *context, mb_buffer *src, uint64_t src_offset, mb_buffer *dst, uint64_t dst_offset, uint64_t size)
{
    if (context == NULL)
        return MB_ERR_INVALID_ARGUMENT;
    if (context->status != MB_OK)
        return context->status;
    if (src == NULL || dst == NULL)
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "buffer_copy_async: %s is NULL", src == NULL ? "src" : "dst");
    if (src->device != context->device || dst->device != context->device)
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "buffer_copy_async: a buffer belongs to another device");
    if (!in_buffer(src, src_offset, size) || !in_buffer(dst, dst_offset, size))
        return context_fail(context, MB_ERR_INVALID_ARGUMENT,
                            "buffer_copy_async: %llu bytes from offset %llu of a %llu-byte buffer to offset %llu of a %llu-byte buffer do not fit",
                            (unsigned long long)size, (unsigned long long)src_offset, (unsigned long long)src->size,
                            (unsigned long long)dst_offset, (unsigned long long)dst->size);
    if (size > 0)
        memmove(dst->data + dst_offset, src->data + src_offset, (size_t)size); /* the ranges may overlap */
    return MB_OK;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Validation of one op, before anything of the step runs. Messages name the op and the operand:
 * "matmul: src[1] x has 2048 columns, the weight has 4096". */

#define CHECK(condition, ...)                                                                                  \
    do {                                                                                                       \
        if (!(condition))                                                                                      \
            return ref_fail(msg, MB_ERR_INVALID_ARGUMENT, __VA_ARGS__);                                        \
    } while (0)

/* Checks one tensor of an op and fills its view: the struct, the buffer, the dtype, a contiguous 2-D layout
 * (ne = {cols, rows, 1, 1}, nb = {block bytes, row bytes, rows * row bytes, same}), a start aligned for its
 * element type, and offset + bytes inside the buffer. Shapes are capped at INT32_MAX per dimension. */
static mb_status check_tensor(mb_device *device, const char *op, const char *what, const mb_tensor *t, ref_view *v, char *msg)
{
    CHECK(t->struct_size >= MB_TENSOR_STRUCT_SIZE, "%s: %s has struct_size %zu, smaller than MB_TENSOR_STRUCT_SIZE (%zu)", op, what,
          t->struct_size, (size_t)MB_TENSOR_STRUCT_SIZE);
    CHECK(t->buffer != NULL, "%s: %s has no buffer", op, what);
    CHECK(t->buffer->device == device, "%s: %s is in a buffer of another device", op, what);
    const ref_dtype_info *info = ref_dtype(t->dtype);
    if (info == NULL)
        return ref_fail(msg, MB_ERR_UNSUPPORTED, "%s: %s has dtype id %u, which this device does not know", op, what, (unsigned)t->dtype);
    CHECK(t->ne[0] >= 0 && t->ne[0] <= INT32_MAX && t->ne[1] >= 0 && t->ne[1] <= INT32_MAX && t->ne[2] == 1 && t->ne[3] == 1,
          "%s: %s has ne {%lld, %lld, %lld, %lld}; a v1 tensor is {cols, rows, 1, 1} with cols and rows in [0, 2^31)", op, what,
          (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3]);
    CHECK(t->ne[0] % info->block_size == 0, "%s: %s has %lld columns, not a whole number of %s blocks of %u", op, what, (long long)t->ne[0],
          info->name, (unsigned)info->block_size);

    uint64_t row_bytes = (uint64_t)t->ne[0] / info->block_size * info->type_size; /* < 2^31 * 210 / 32: no overflow */
    uint64_t bytes = row_bytes * (uint64_t)t->ne[1];                               /* < 2^31 * 2^36: no overflow */
    CHECK(t->nb[0] == info->type_size && t->nb[1] == row_bytes && t->nb[2] == bytes && t->nb[3] == bytes,
          "%s: %s has nb {%llu, %llu, %llu, %llu}; a contiguous %s [%lld, %lld] view has {%u, %llu, %llu, %llu}", op, what,
          (unsigned long long)t->nb[0], (unsigned long long)t->nb[1], (unsigned long long)t->nb[2], (unsigned long long)t->nb[3],
          info->name, (long long)t->ne[1], (long long)t->ne[0], (unsigned)info->type_size, (unsigned long long)row_bytes,
          (unsigned long long)bytes, (unsigned long long)bytes);
    CHECK(in_buffer(t->buffer, t->offset, bytes), "%s: %s (%llu bytes at offset %llu) does not fit its %llu-byte buffer", op, what,
          (unsigned long long)bytes, (unsigned long long)t->offset, (unsigned long long)t->buffer->size);
    /* Buffers start REF_ALIGNMENT-aligned, so an offset that is a multiple of the element size makes every f32,
     * i32 or f16 access aligned. Quantized blocks are read byte by byte and need nothing. */
    uint32_t element = info->block_size == 1 ? info->type_size : 1;
    CHECK(t->offset % element == 0, "%s: %s starts at offset %llu, not a multiple of its %u-byte elements", op, what,
          (unsigned long long)t->offset, (unsigned)element);

    v->buffer = t->buffer;
    v->data = t->buffer->data + t->offset;
    v->offset = t->offset;
    v->bytes = bytes;
    v->row_bytes = row_bytes;
    v->dtype = t->dtype;
    v->cols = (int32_t)t->ne[0];
    v->rows = (int32_t)t->ne[1];
    return MB_OK;
}

/* 1 when two views share a byte (an output that overlaps an input it still has to read gives garbage). */
static int overlaps(const ref_view *a, const ref_view *b)
{
    return a->buffer == b->buffer && a->bytes > 0 && b->bytes > 0 && a->offset < b->offset + b->bytes && b->offset < a->offset + a->bytes;
}

static int same_view(const ref_view *a, const ref_view *b)
{
    return a->buffer == b->buffer && a->offset == b->offset && a->dtype == b->dtype && a->cols == b->cols && a->rows == b->rows;
}

static int same_shape(const ref_view *a, const ref_view *b) { return a->cols == b->cols && a->rows == b->rows; }

/* The checks particular to each op, on views whose dtypes are already right. */
static mb_status check_shapes(const ref_args *a, char *msg)
{
    const ref_view *s0 = &a->src[0], *s1 = &a->src[1], *dst = &a->dst;
    switch (a->op) {
    case MB_OP_EMBEDDING_LOOKUP:
        CHECK(s1->cols == 1, "embedding_lookup: src[1] ids has %d columns; ids are [T, 1]", (int)s1->cols);
        CHECK(dst->rows == s1->rows && dst->cols == s0->cols, "embedding_lookup: dst is [%d, %d]; %d ids into a table of %d columns need [%d, %d]",
              (int)dst->rows, (int)dst->cols, (int)s1->rows, (int)s0->cols, (int)s1->rows, (int)s0->cols);
        CHECK(!overlaps(dst, s0) && !overlaps(dst, s1), "embedding_lookup: dst overlaps an input");
        return MB_OK;

    case MB_OP_MATMUL:
        CHECK(s1->cols == s0->cols, "matmul: src[1] x has %d columns, the weight has %d", (int)s1->cols, (int)s0->cols);
        CHECK(dst->rows == s1->rows && dst->cols == s0->rows, "matmul: dst y is [%d, %d]; x [%d, %d] times a [%d, %d] weight gives [%d, %d]",
              (int)dst->rows, (int)dst->cols, (int)s1->rows, (int)s1->cols, (int)s0->rows, (int)s0->cols, (int)s1->rows, (int)s0->rows);
        CHECK(!overlaps(dst, s0) && !overlaps(dst, s1), "matmul: dst y overlaps src[0] w or src[1] x");
        return MB_OK;

    case MB_OP_RMS_NORM: {
        float eps = a->params.rms_norm.eps;
        CHECK(s1->rows == 1 && s1->cols == s0->cols, "rms_norm: src[1] weight is [%d, %d]; x has %d columns, so it must be [1, %d]",
              (int)s1->rows, (int)s1->cols, (int)s0->cols, (int)s0->cols);
        CHECK(same_shape(dst, s0), "rms_norm: dst is [%d, %d], x is [%d, %d]", (int)dst->rows, (int)dst->cols, (int)s0->rows, (int)s0->cols);
        CHECK(eps >= 0.0f && isfinite(eps), "rms_norm: params.rms_norm.eps %g must be finite and not negative", (double)eps);
        CHECK(!overlaps(dst, s1), "rms_norm: dst overlaps src[1] weight");
        return MB_OK;
    }

    case MB_OP_ROPE: {
        const mb_rope_params *p = &a->params.rope;
        if (p->layout > MB_ROPE_ROTATE_HALF)
            return ref_fail(msg, MB_ERR_UNSUPPORTED, "rope: params.rope.layout %u is not MB_ROPE_INTERLEAVED or MB_ROPE_ROTATE_HALF",
                            (unsigned)p->layout);
        CHECK(p->head_dim > 0 && p->head_dim % 2 == 0 && p->head_dim <= INT32_MAX, "rope: params.rope.head_dim %u must be even and positive",
              (unsigned)p->head_dim);
        CHECK(s0->cols % (int64_t)p->head_dim == 0, "rope: src[0] x has %d columns, not a whole number of heads of %u", (int)s0->cols,
              (unsigned)p->head_dim);
        CHECK(p->theta > 0.0f && isfinite(p->theta), "rope: params.rope.theta %g must be positive and finite", (double)p->theta);
        CHECK(s1->cols == 1 && s1->rows == s0->rows, "rope: src[1] positions is [%d, %d]; x has %d rows, so it must be [%d, 1]", (int)s1->rows,
              (int)s1->cols, (int)s0->rows, (int)s0->rows);
        if (a->has_src[2])
            CHECK(a->src[2].rows == 1 && a->src[2].cols == (int32_t)(p->head_dim / 2), "rope: src[2] divisors is [%d, %d], must be [1, %u]",
                  (int)a->src[2].rows, (int)a->src[2].cols, (unsigned)(p->head_dim / 2));
        CHECK(same_view(dst, s0), "rope: dst must be the same view as src[0] x (the rotation is in place)");
        CHECK(!overlaps(s0, s1) && !(a->has_src[2] && overlaps(s0, &a->src[2])), "rope: src[0] x overlaps another operand");
        return MB_OK;
    }

    case MB_OP_PAGED_ATTENTION: {
        const mb_attention_params *p = &a->params.attention;
        const ref_view *keys = &a->src[1], *values = &a->src[2], *seqs = &a->src[3], *tables = &a->src[4];
        CHECK(p->num_heads >= 1 && p->num_kv_heads >= 1 && p->num_heads % p->num_kv_heads == 0,
              "paged_attention: params.attention has %u heads over %u kv heads (kv heads must divide heads)", (unsigned)p->num_heads,
              (unsigned)p->num_kv_heads);
        CHECK(p->head_dim >= 1, "paged_attention: params.attention.head_dim is 0");
        CHECK(p->block_size >= 1, "paged_attention: params.attention.block_size is 0");
        CHECK(p->scale > 0.0f && isfinite(p->scale), "paged_attention: params.attention.scale %g must be positive and finite", (double)p->scale);
        CHECK(p->sliding_window >= 0, "paged_attention: params.attention.sliding_window %d must be 0 (off) or positive", (int)p->sliding_window);
        CHECK(p->softcap >= 0.0f && isfinite(p->softcap), "paged_attention: params.attention.softcap %g must be 0 (off) or positive and finite",
              (double)p->softcap);
        CHECK((uint64_t)s0->cols == (uint64_t)p->num_heads * p->head_dim, "paged_attention: src[0] q has %d columns; %u heads of %u need %llu",
              (int)s0->cols, (unsigned)p->num_heads, (unsigned)p->head_dim, (unsigned long long)p->num_heads * p->head_dim);
        CHECK((uint64_t)keys->cols == (uint64_t)p->num_kv_heads * p->head_dim,
              "paged_attention: src[1] key cache has %d columns; %u kv heads of %u need %llu", (int)keys->cols, (unsigned)p->num_kv_heads,
              (unsigned)p->head_dim, (unsigned long long)p->num_kv_heads * p->head_dim);
        CHECK(same_shape(values, keys), "paged_attention: src[2] value cache is [%d, %d], the key cache [%d, %d]", (int)values->rows,
              (int)values->cols, (int)keys->rows, (int)keys->cols);
        CHECK(keys->rows % p->block_size == 0, "paged_attention: the caches have %d rows, not a whole number of blocks of %u", (int)keys->rows,
              (unsigned)p->block_size);
        CHECK(seqs->cols == 4, "paged_attention: src[3] sequences has %d columns; it is [S, 4]", (int)seqs->cols);
        CHECK(tables->cols == 1, "paged_attention: src[4] block tables has %d columns; it is [N, 1]", (int)tables->cols);
        CHECK(same_shape(dst, s0), "paged_attention: dst is [%d, %d], q is [%d, %d]", (int)dst->rows, (int)dst->cols, (int)s0->rows, (int)s0->cols);
        CHECK(!overlaps(dst, keys) && !overlaps(dst, values) && !overlaps(dst, seqs) && !overlaps(dst, tables),
              "paged_attention: dst overlaps a cache, the sequences or the block tables");
        return MB_OK;
    }

    case MB_OP_SCATTER_ROWS:
        CHECK(s0->cols == dst->cols, "scatter_rows: src[0] has %d columns, the dst cache %d", (int)s0->cols, (int)dst->cols);
        CHECK(s1->cols == 1 && s1->rows == s0->rows, "scatter_rows: src[1] rows is [%d, %d]; src[0] has %d rows, so it must be [%d, 1]",
              (int)s1->rows, (int)s1->cols, (int)s0->rows, (int)s0->rows);
        CHECK(!overlaps(dst, s0) && !overlaps(dst, s1), "scatter_rows: dst overlaps an input");
        return MB_OK;

    case MB_OP_GATHER_ROWS:
        CHECK(s0->cols == dst->cols, "gather_rows: src[0] has %d columns, dst %d", (int)s0->cols, (int)dst->cols);
        CHECK(s1->cols == 1 && s1->rows == dst->rows, "gather_rows: src[1] rows is [%d, %d]; dst has %d rows, so it must be [%d, 1]",
              (int)s1->rows, (int)s1->cols, (int)dst->rows, (int)dst->rows);
        CHECK(!overlaps(dst, s0) && !overlaps(dst, s1), "gather_rows: dst overlaps an input");
        return MB_OK;

    case MB_OP_SWIGLU:
        CHECK(same_shape(s1, s0) && same_shape(dst, s0), "swiglu: src[0] gate [%d, %d], src[1] up [%d, %d] and dst [%d, %d] must match",
              (int)s0->rows, (int)s0->cols, (int)s1->rows, (int)s1->cols, (int)dst->rows, (int)dst->cols);
        return MB_OK;

    case MB_OP_ADD:
        CHECK(s1->cols == s0->cols && (s1->rows == s0->rows || s1->rows == 1), "add: src[1] b is [%d, %d]; a is [%d, %d], so b is [%d, %d] or [1, %d]",
              (int)s1->rows, (int)s1->cols, (int)s0->rows, (int)s0->cols, (int)s0->rows, (int)s0->cols, (int)s0->cols);
        CHECK(same_shape(dst, s0), "add: dst is [%d, %d], a is [%d, %d]", (int)dst->rows, (int)dst->cols, (int)s0->rows, (int)s0->cols);
        CHECK(!(s1->rows != s0->rows && overlaps(dst, s1)), "add: dst overlaps the broadcast row src[1] b");
        return MB_OK;

    case MB_OP_SOFTMAX:
        CHECK(same_view(dst, s0), "softmax: dst must be the same view as src[0] x (softmax is in place)");
        return MB_OK;

    case MB_OP_COPY:
        CHECK(dst->bytes == s0->bytes, "copy: src[0] has %llu bytes, dst %llu", (unsigned long long)s0->bytes, (unsigned long long)dst->bytes);
        return MB_OK;

    case MB_OP_ARGMAX:
        CHECK(dst->cols == 1 && dst->rows == s0->rows, "argmax: dst is [%d, %d]; x has %d rows, so it must be [%d, 1]", (int)dst->rows,
              (int)dst->cols, (int)s0->rows, (int)s0->rows);
        CHECK(!overlaps(dst, s0), "argmax: dst overlaps src[0] x");
        return MB_OK;

    default:
        return ref_fail(msg, MB_ERR_INTERNAL, "op %u has no shape checks", (unsigned)a->op);
    }
}

/* Checks one op descriptor completely and fills its validated operands. */
static mb_status check_op(mb_device *device, const mb_op *op, ref_args *a, char *msg)
{
    if (op == NULL)
        return ref_fail(msg, MB_ERR_INVALID_ARGUMENT, "the op descriptor is NULL");
    if (op->struct_size < MB_OP_STRUCT_SIZE)
        return ref_fail(msg, MB_ERR_INVALID_ARGUMENT, "op struct_size %zu is smaller than MB_OP_STRUCT_SIZE (%zu)", op->struct_size,
                        (size_t)MB_OP_STRUCT_SIZE);
    if (op->op >= MB_OP_COUNT)
        return ref_fail(msg, MB_ERR_UNSUPPORTED, "op id %u is not an op of contract v1 (0 .. %d)", (unsigned)op->op, MB_OP_COUNT - 1);
    const char *name = op_names[op->op];
    CHECK(op->n_src >= min_src[op->op] && op->n_src <= max_src[op->op], "%s: n_src is %u; the op takes %u%s", name, (unsigned)op->n_src,
          (unsigned)min_src[op->op], max_src[op->op] > min_src[op->op] ? " or 3" : "");

    memset(a, 0, sizeof *a);
    a->op = op->op;
    a->n_src = op->n_src;
    a->params = op->params;
    mb_status status;
    for (uint32_t i = 0; i < op->n_src; i++) {
        if (op->op == MB_OP_ROPE && i == 2 && op->src[2].buffer == NULL)
            continue; /* the optional frequency divisors, absent */
        status = check_tensor(device, name, operand_names[op->op][i], &op->src[i], &a->src[i], msg);
        if (status != MB_OK)
            return status;
        a->has_src[i] = 1;
    }
    status = check_tensor(device, name, operand_names[op->op][MB_MAX_SRC], &op->dst, &a->dst, msg);
    if (status != MB_OK)
        return status;

    /* The keyed dtype first (a dtype the device lacks is MB_ERR_UNSUPPORTED), then every operand's. */
    const int keyed = keyed_operand(op->op);
    const uint32_t keyed_dtype = operand(op, keyed)->dtype;
    if (!runs(op->op, keyed_dtype))
        return ref_fail(msg, MB_ERR_UNSUPPORTED, "%s: %s is %s; this device does not run %s on %s", name, operand_names[op->op][keyed],
                        ref_dtype_name(keyed_dtype), name, ref_dtype_name(keyed_dtype));
    for (int i = 0; i <= MB_MAX_SRC; i++) {
        if (i < MB_MAX_SRC && !a->has_src[i])
            continue;
        int32_t want = operand_dtypes[op->op][i];
        uint32_t have = operand(op, i)->dtype;
        uint32_t expected = want == KEYED ? keyed_dtype : (uint32_t)want;
        CHECK(have == expected, "%s: %s is %s, must be %s", name, operand_names[op->op][i], ref_dtype_name(have), ref_dtype_name(expected));
    }
    return check_shapes(a, msg);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Steps. */

static mb_status run_op(const ref_args *a, char *msg)
{
    switch (a->op) {
    case MB_OP_EMBEDDING_LOOKUP: return ref_op_embedding_lookup(a, msg);
    case MB_OP_MATMUL: return ref_op_matmul(a, msg);
    case MB_OP_RMS_NORM: return ref_op_rms_norm(a, msg);
    case MB_OP_ROPE: return ref_op_rope(a, msg);
    case MB_OP_PAGED_ATTENTION: return ref_op_paged_attention(a, msg);
    case MB_OP_SCATTER_ROWS: return ref_op_scatter_rows(a, msg);
    case MB_OP_GATHER_ROWS: return ref_op_gather_rows(a, msg);
    case MB_OP_SWIGLU: return ref_op_swiglu(a, msg);
    case MB_OP_ADD: return ref_op_add(a, msg);
    case MB_OP_SOFTMAX: return ref_op_softmax(a, msg);
    case MB_OP_COPY: return ref_op_copy(a, msg);
    case MB_OP_ARGMAX: return ref_op_argmax(a, msg);
    default: return ref_fail(msg, MB_ERR_INTERNAL, "op %u has no implementation", (unsigned)a->op);
    }
}

/* Checks every op, then runs them in order. A step with a bad op is refused whole, before anything runs. Indexes
 * read from i32 tensors are checked as each op runs (an earlier op of the same step may have written them), so a
 * bad index stops the step there: the ops before it have run, the rest are skipped. Either way the context is
 * then in error. A real device would do the same checks, record the ops into one command buffer and launch it. */
static mb_status step_submit(mb_context *context, const mb_op *const *ops, uint32_t n_ops)
{
    if (context == NULL)
        return MB_ERR_INVALID_ARGUMENT;
    if (context->status != MB_OK)
        return context->status;
    if (n_ops == 0)
        return MB_OK;
    if (ops == NULL)
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "step_submit: ops is NULL for a step of %u ops", (unsigned)n_ops);
#if MB_REFERENCE_FAULT == MB_FAULT_NULL_OPS
    /* meridian-test-null-ops: not a fault, a measuring stick. Every step is accepted and nothing runs, so what
     * `bench overhead` measures on it is the host's side of the ABI alone (describing ops, the calls). */
    return MB_OK;
#endif

    ref_args *args = malloc((size_t)n_ops * sizeof *args);
    if (args == NULL)
        return context_fail(context, MB_ERR_OUT_OF_MEMORY, "step_submit: no host memory to check a step of %u ops", (unsigned)n_ops);

    char msg[REF_MESSAGE_SIZE];
    mb_status status = MB_OK;
    for (uint32_t i = 0; i < n_ops && status == MB_OK; i++) {
        status = check_op(context->device, ops[i], &args[i], msg);
        if (status != MB_OK)
            context_fail(context, status, "%s (op %u of the step's %u; nothing ran)", msg, (unsigned)i, (unsigned)n_ops);
    }
    for (uint32_t i = 0; i < n_ops && status == MB_OK; i++) {
#if MB_REFERENCE_FAULT == MB_FAULT_OP_ERROR
        if (args[i].op == MB_OP_ADD) {
            /* meridian-test-op-error: ADD passes every check and then "the device" fails, so the host's handling
             * of a run-time failure (sticky error, message, status) can be tested. Worded exactly as its tests expect. */
            status = context_fail(context, MB_ERR_DEVICE, "injected fault: add failed on purpose (meridian-test-op-error)");
            break;
        }
#endif
        status = run_op(&args[i], msg);
        if (status != MB_OK)
            context_fail(context, status, "%s (op %u of the step's %u)", msg, (unsigned)i, (unsigned)n_ops);
    }
    free(args);
    return status;
}

/* Everything already ran inside the calls that queued it; what is left is the first error, if any. A real
 * device would wait on its stream here. */
static mb_status context_synchronize(mb_context *context)
{
    if (context == NULL)
        return MB_ERR_INVALID_ARGUMENT;
    return context->status;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Events. Since every call finishes its work before it returns, any point of a context's queue is reached as
 * soon as it is recorded: recording, waiting and synchronizing have nothing to do. A real device would record
 * a device event on the stream, make another stream wait on it, or block the host on it. */

static mb_status event_create(mb_device *device, mb_event **event)
{
    if (device == NULL)
        return device_fail(NULL, MB_ERR_INVALID_ARGUMENT, "event_create: device is NULL");
    if (event == NULL)
        return device_fail(device, MB_ERR_INVALID_ARGUMENT, "event_create: event is NULL");
    mb_event *e = calloc(1, sizeof *e);
    if (e == NULL) {
        *event = NULL;
        return device_fail(device, MB_ERR_OUT_OF_MEMORY, "event_create: no host memory for an event");
    }
    e->device = device;
    *event = e;
    return MB_OK;
}

static void event_destroy(mb_event *event) { free(event); }

static mb_status event_record(mb_context *context, mb_event *event)
{
    if (context == NULL)
        return MB_ERR_INVALID_ARGUMENT;
    if (context->status != MB_OK)
        return context->status;
    if (event == NULL)
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "event_record: event is NULL");
    if (event->device != context->device)
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "event_record: the event belongs to another device");
    event->recorded = 1;
    return MB_OK;
}

static mb_status event_wait(mb_context *context, mb_event *event)
{
    if (context == NULL)
        return MB_ERR_INVALID_ARGUMENT;
    if (context->status != MB_OK)
        return context->status;
    if (event == NULL)
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "event_wait: event is NULL");
    if (event->device != context->device)
        return context_fail(context, MB_ERR_INVALID_ARGUMENT, "event_wait: the event belongs to another device");
    return MB_OK;
}

static mb_status event_synchronize(mb_event *event) { return event == NULL ? MB_ERR_INVALID_ARGUMENT : MB_OK; }

/* ------------------------------------------------------------------------------------------------------ */
/* The table and the exports. */

static const mb_api api = {
#if MB_REFERENCE_FAULT == MB_FAULT_SHORT_TABLE
    .struct_size = offsetof(mb_api, step_submit), /* claims 1.0 but stops short of it */
#else
    .struct_size = MB_API_STRUCT_SIZE,
#endif
    .next = NULL,
#if MB_REFERENCE_FAULT == MB_FAULT_NEWER_MAJOR
    .abi_major = MB_ABI_MAJOR + 1, /* a plugin from the future: the host must refuse it */
#else
    .abi_major = MB_ABI_MAJOR,
#endif
    .abi_minor = MB_ABI_MINOR,
    .name = PLUGIN_NAME,
    .version = PLUGIN_VERSION,
    .device_count = device_count,
    .device_open = device_open,
    .device_close = device_close,
    .device_props = device_props,
    .device_supports = device_supports,
    .device_last_error = device_last_error,
    .buffer_alloc = buffer_alloc,
    .buffer_free = buffer_free,
    .context_create = context_create,
    .context_destroy = context_destroy,
    .context_last_error = context_last_error,
    .buffer_write_async = buffer_write_async,
#if MB_REFERENCE_FAULT == MB_FAULT_MISSING_FUNCTION
    .buffer_read_async = NULL, /* a required function missing: the host must refuse the table */
#else
    .buffer_read_async = buffer_read_async,
#endif
    .buffer_copy_async = buffer_copy_async,
    .step_submit = step_submit,
    .context_synchronize = context_synchronize,
    .event_create = event_create,
    .event_destroy = event_destroy,
    .event_record = event_record,
    .event_wait = event_wait,
    .event_synchronize = event_synchronize,
};

/* The table for a host of ABI major host_major; NULL for another major (the plugin cannot serve it). Any minor
 * is fine: the table says which minor it was built with, and the host reads no further than that. */
static const mb_api *get_api(uint32_t host_major, uint32_t host_minor)
{
    (void)host_minor;
#if MB_REFERENCE_FAULT == MB_FAULT_MISSING_FUNCTION
    (void)buffer_read_async; /* written, but left out of the table on purpose */
#endif
#if MB_REFERENCE_FAULT == MB_FAULT_NEWER_MAJOR
    (void)host_major; /* hand the table over anyway, so the host's own major check is what refuses it */
#else
    if (host_major != MB_ABI_MAJOR)
        return NULL;
#endif
    return &api;
}

#if MB_REFERENCE_FAULT == MB_FAULT_NO_ENTRY
/* meridian-test-no-entry: the required entry point is missing; this near miss is exported instead. */
MB_EXPORT const mb_api *meridian_backend_get_api_v0(uint32_t host_major, uint32_t host_minor) { return get_api(host_major, host_minor); }
#else
MB_EXPORT const mb_api *meridian_backend_get_api(uint32_t host_major, uint32_t host_minor) { return get_api(host_major, host_minor); }
#endif

/* 1: used only when named (--device reference-c); Meridian's CPU backend (100) wins any automatic choice. */
MB_EXPORT int32_t meridian_backend_score(void) { return 1; }
