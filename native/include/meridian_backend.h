/*
 * meridian_backend.h: the C ABI of a Meridian backend plugin, version 1.0 (Meridian's backend contract v1).
 *
 * A plugin is a shared library (meridian-NAME.dll, libmeridian-NAME.so, libmeridian-NAME.dylib) that a vendor
 * writes in any language with a C ABI. Meridian loads it with `--device plugin:PATH` or from its plugins folder,
 * calls meridian_backend_get_api() once, and drives the devices through the function table it returns.
 * Versioned the way OpenXLA's PJRT plugins are (see docs/backends.md, "Writing a plugin"):
 *   - MB_ABI_MAJOR changes on any breaking change; the host refuses a plugin with another major.
 *   - MB_ABI_MINOR counts additions: fields appended to the end of a struct, functions appended to the end
 *     of mb_api. Nothing is ever removed, reordered or retyped within a major version.
 *   - Every struct starts with `size_t struct_size` (the size the writer knew, MB_<NAME>_STRUCT_SIZE) and
 *     `const mb_extension* next` (a chain of optional extension structs; NULL when none). A reader never
 *     touches a field past the struct_size it was given.
 * The op set is contract v1's: twelve ops, listed with their operands at mb_op_kind. Quantized weights are
 * byte-identical to GGUF's blocks (ggml's block_q4_0 and friends), so a vendor can compare bit for bit.
 *
 * Threading: the host never calls into one device (its buffers, contexts and events included) from two
 * threads at once. Work on a context runs in the order it was queued. Plain C11; no compiler extensions
 * beyond the export attribute.
 */
#ifndef MERIDIAN_BACKEND_H
#define MERIDIAN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MB_ABI_MAJOR 1
#define MB_ABI_MINOR 0

#if defined(_WIN32)
#define MB_EXPORT __declspec(dllexport)
#else
#define MB_EXPORT __attribute__((visibility("default")))
#endif

/* The size of a struct up to and including `last`: what MB_<NAME>_STRUCT_SIZE is defined with, so a struct
 * that grows in a later minor version keeps the old size constant for the old fields. */
#define MB_STRUCT_SIZE(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))

/* ------------------------------------------------------------------------------------------------------ */
/* Status codes. Every function that can fail returns one; MB_OK is 0. On failure the device or context
 * keeps a message (device_last_error, context_last_error) that names what went wrong. */
typedef int32_t mb_status;
enum {
    MB_OK = 0,
    MB_ERR_INVALID_ARGUMENT = 1, /* a null pointer, a size or shape that does not add up, a bad struct_size */
    MB_ERR_UNSUPPORTED = 2,      /* an op, dtype or parameter this device does not run */
    MB_ERR_OUT_OF_MEMORY = 3,    /* an allocation the device cannot satisfy */
    MB_ERR_DEVICE = 4,           /* the device failed while running work (lost, faulted, timed out) */
    MB_ERR_INTERNAL = 5          /* anything else: a bug in the plugin */
};

/* ------------------------------------------------------------------------------------------------------ */
/* Extension chain: optional structs a later minor version (or a vendor) hangs off any struct's `next`. */
typedef struct mb_extension {
    size_t struct_size;
    const struct mb_extension *next;
    uint32_t type; /* which extension this is; a reader skips types it does not know */
    uint32_t reserved;
} mb_extension;
#define MB_EXTENSION_STRUCT_SIZE MB_STRUCT_SIZE(mb_extension, reserved)

/* ------------------------------------------------------------------------------------------------------ */
/* Element types: the GGUF/ggml type ids. Quantized types are runs of GGUF blocks (Q4_0: an f16 scale and
 * 16 bytes of nibbles per 32 values; Q4_K: 144 bytes per 256 values; see docs/backends.md). */
enum {
    MB_DTYPE_F32 = 0,
    MB_DTYPE_F16 = 1,
    MB_DTYPE_Q4_0 = 2,
    MB_DTYPE_Q4_1 = 3,
    MB_DTYPE_Q5_0 = 6,
    MB_DTYPE_Q5_1 = 7,
    MB_DTYPE_Q8_0 = 8,
    MB_DTYPE_Q2_K = 10,
    MB_DTYPE_Q3_K = 11,
    MB_DTYPE_Q4_K = 12,
    MB_DTYPE_Q5_K = 13,
    MB_DTYPE_Q6_K = 14,
    MB_DTYPE_IQ4_NL = 20,
    MB_DTYPE_IQ4_XS = 23,
    MB_DTYPE_I32 = 26,
    MB_DTYPE_BF16 = 30
};

/* What a device is (Meridian's DeviceKind). */
enum { MB_DEVICE_CPU = 0, MB_DEVICE_GPU = 1, MB_DEVICE_ACCELERATOR = 2 };

/* What a buffer will hold, so a device can place it (weights read-only, KV cache resident). */
enum { MB_USAGE_WEIGHTS = 0, MB_USAGE_KV_CACHE = 1, MB_USAGE_SCRATCH = 2 };

/* Opaque handles, defined by the plugin. */
typedef struct mb_device mb_device;   /* one opened device */
typedef struct mb_buffer mb_buffer;   /* device memory */
typedef struct mb_context mb_context; /* an in-order queue of work on one device (a stream) */
typedef struct mb_event mb_event;     /* a point in a context's queue */

/* ------------------------------------------------------------------------------------------------------ */
/* A device's properties, filled by device_props. The host sets struct_size; the plugin fills the fields
 * that struct_size covers. */
typedef struct mb_device_props {
    size_t struct_size;
    const mb_extension *next;
    char name[128];                /* UTF-8, NUL-terminated: "Ascend 910C", "reference (scalar C)" */
    uint32_t kind;                 /* MB_DEVICE_* */
    uint32_t reserved;
    uint64_t memory_bytes;         /* memory buffers can be allocated from */
    uint64_t max_allocation_bytes; /* the largest single buffer_alloc */
    uint64_t alignment;            /* alignment of every buffer's start, in bytes (a power of two) */
} mb_device_props;
#define MB_DEVICE_PROPS_STRUCT_SIZE MB_STRUCT_SIZE(mb_device_props, alignment)

/* ------------------------------------------------------------------------------------------------------ */
/* A tensor: a view of a buffer (ggml's model). ne[0] is the innermost dimension (the length of a row);
 * nb[i] is the byte stride of dimension i (for a quantized type nb[0] is the size of one block and ne[0] is
 * a whole number of blocks). A v1 host passes only contiguous 2-D views: ne = {cols, rows, 1, 1},
 * nb = {element or block bytes, row bytes, rows * row bytes, same}, at any offset that is a whole number of
 * rows (or, for i32 per-step tensors, of elements) into the buffer. */
typedef struct mb_tensor {
    size_t struct_size;
    const mb_extension *next;
    mb_buffer *buffer; /* NULL: the operand is absent (optional operands only) */
    uint64_t offset;   /* byte offset of the first element in buffer */
    uint32_t dtype;    /* MB_DTYPE_* */
    uint32_t reserved;
    int64_t ne[4];
    uint64_t nb[4];
} mb_tensor;
#define MB_TENSOR_STRUCT_SIZE MB_STRUCT_SIZE(mb_tensor, nb)

/* ------------------------------------------------------------------------------------------------------ */
/* The ops of contract v1 and their operands. T = tokens (query rows), D = hidden width, H = query heads,
 * Hkv = key/value heads, Dh = head width, V = vocabulary, R = rows. Activations are f32.
 *
 *  EMBEDDING_LOOKUP  src[0] table [V, D] any dtype, src[1] ids [T, 1] i32 -> dst [T, D] f32: dst[t] = table[ids[t]].
 *  MATMUL            src[0] w [N, K] any dtype, src[1] x [T, K] f32 -> dst y [T, N] f32: y = x . w^T.
 *                    A quantized w may be dotted against x rounded to 8 bits per block of 32 (what ggml and
 *                    Meridian's CPU do); the kit's tolerance allows it.
 *  RMS_NORM          src[0] x [R, C] f32, src[1] weight [1, C] f32 -> dst [R, C] f32 (dst may be x):
 *                    dst[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight. params.rms_norm.
 *  ROPE              src[0] x [T, H*Dh] f32 (rotated in place; dst is the same view), src[1] positions [T, 1] i32,
 *                    src[2] frequency divisors [1, Dh/2] f32 or absent. params.rope: frequency i of Dh/2 is
 *                    pos * theta^(-2i/Dh) / divisor[i]; layout 0 pairs (2i, 2i+1), layout 1 pairs (i, i + Dh/2).
 *  PAGED_ATTENTION   src[0] q [T, H*Dh] f32, src[1] key cache and src[2] value cache [blocks*block_size, Hkv*Dh]
 *                    f32 or f16, src[3] sequences [S, 4] i32 (query row, query count, start position, block
 *                    table offset), src[4] block tables [N, 1] i32 -> dst [T, H*Dh] f32. params.attention.
 *                    Position p of a sequence is cache row tables[offset + p / block_size] * block_size +
 *                    p % block_size. A query at position p sees keys at j <= p and, with a sliding window W,
 *                    p - j < W. Head h reads kv head h / (H / Hkv). score = q.k * scale, then
 *                    softcap * tanh(score / softcap) when softcap > 0, then softmax over the visible keys.
 *  SCATTER_ROWS      src[0] [T, C] f32, src[1] rows [T, 1] i32 (distinct, in [0, R)) -> dst [R, C] f32 or f16:
 *                    dst[rows[t]] = src[t], rounded to nearest even for f16 (new keys and values into the cache).
 *  GATHER_ROWS       src[0] [R, C] f32, src[1] rows [N, 1] i32 in [0, R) -> dst [N, C] f32: dst[i] = src[rows[i]].
 *  SWIGLU            src[0] gate [T, F] f32, src[1] up [T, F] f32 -> dst [T, F] f32 (may alias an input):
 *                    dst = gate / (1 + exp(-gate)) * up.
 *  ADD               src[0] a [R, C] f32, src[1] b [R, C] or [1, C] f32 (broadcast over rows) -> dst (may be a).
 *  SOFTMAX           src[0] x [R, C] f32, softmax of each row in place; dst is the same view.
 *  COPY              src[0] -> dst: same dtype and byte length, a byte copy (copy-on-write of KV blocks).
 *  ARGMAX            src[0] x [R, C] f32 -> dst [R, 1] i32: the index of each row's largest value, the lowest
 *                    index on ties; NaN never wins (a row of only NaN gives 0).
 *
 * Which dtype an op is "on" (what device_supports is asked about): the weight's for MATMUL, the table's for
 * EMBEDDING_LOOKUP, the cache's for PAGED_ATTENTION and SCATTER_ROWS (dst), the copied dtype for COPY, f32
 * for the rest. Out-of-range ids, rows, positions or block numbers are the host's bug; a plugin may check
 * them and fail with MB_ERR_INVALID_ARGUMENT, and must never read or write outside its buffers because of them. */
enum {
    MB_OP_EMBEDDING_LOOKUP = 0,
    MB_OP_MATMUL = 1,
    MB_OP_RMS_NORM = 2,
    MB_OP_ROPE = 3,
    MB_OP_PAGED_ATTENTION = 4,
    MB_OP_SCATTER_ROWS = 5,
    MB_OP_GATHER_ROWS = 6,
    MB_OP_SWIGLU = 7,
    MB_OP_ADD = 8,
    MB_OP_SOFTMAX = 9,
    MB_OP_COPY = 10,
    MB_OP_ARGMAX = 11,
    MB_OP_COUNT = 12
};

#define MB_MAX_SRC 5

typedef struct mb_rms_norm_params {
    float eps;
} mb_rms_norm_params;

enum { MB_ROPE_INTERLEAVED = 0, MB_ROPE_ROTATE_HALF = 1 };

typedef struct mb_rope_params {
    uint32_t head_dim; /* Dh */
    uint32_t layout;   /* MB_ROPE_* */
    float theta;       /* base */
} mb_rope_params;

typedef struct mb_attention_params {
    uint32_t num_heads;          /* H */
    uint32_t num_kv_heads;       /* Hkv, divides H */
    uint32_t head_dim;           /* Dh */
    uint32_t block_size;         /* cache rows per block */
    uint32_t max_context_length; /* the longest start + count among the sequences (for sizing scratch) */
    int32_t sliding_window;      /* 0: off */
    float scale;                 /* score scale, usually 1/sqrt(Dh) */
    float softcap;               /* 0: off */
} mb_attention_params;

/* The parameters of the ops that have any; 64 bytes whatever the op. */
typedef union mb_op_params {
    mb_rms_norm_params rms_norm;
    mb_rope_params rope;
    mb_attention_params attention;
    uint8_t bytes[64];
} mb_op_params;

/* One op: a unit of a step, and the descriptor device_supports is asked about. */
typedef struct mb_op {
    size_t struct_size;
    const mb_extension *next;
    uint32_t op;    /* MB_OP_* */
    uint32_t n_src; /* operands used in src */
    mb_tensor src[MB_MAX_SRC];
    mb_tensor dst;
    mb_op_params params;
} mb_op;
#define MB_OP_STRUCT_SIZE MB_STRUCT_SIZE(mb_op, params)

/* ------------------------------------------------------------------------------------------------------ */
/* The function table. Append-only: a later minor version adds functions after the last one here. Every
 * function of a version is required (non-NULL); the host refuses a table with a NULL where it expects one. */
typedef struct mb_api {
    size_t struct_size; /* MB_API_STRUCT_SIZE for the minor version in abi_minor (at least) */
    const mb_extension *next;
    uint32_t abi_major; /* MB_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor; /* MB_ABI_MINOR the plugin was built with */
    const char *name;    /* short, lower case, letters, digits and '-': the backend's name in --device NAME[:N] */
    const char *version; /* the plugin's own version, free text, for logs and conformance reports */

    /* Devices. device_open may take time (driver start-up); the host opens each device once. */
    mb_status (*device_count)(int32_t *count);
    mb_status (*device_open)(int32_t index, mb_device **device);
    void (*device_close)(mb_device *device);
    /* Fills the fields of *props its struct_size covers; MB_ERR_INVALID_ARGUMENT when struct_size is smaller
     * than MB_DEVICE_PROPS_STRUCT_SIZE of version 1.0. */
    mb_status (*device_props)(mb_device *device, mb_device_props *props);
    /* *supported = 1 when the device runs op->op on the dtypes in op->src/dst (buffers are NULL, shapes may be
     * 0 meaning "any", params may be 0 meaning "any"), else 0. A device answers every op of MB_OP_COUNT. */
    mb_status (*device_supports)(mb_device *device, const mb_op *op, int32_t *supported);
    /* The message of the last failed device-level call (open, props, supports, buffer_alloc); never NULL. */
    const char *(*device_last_error)(mb_device *device);

    /* Buffers. New buffers are zeroed. Freeing a buffer that queued work still uses is the host's bug. */
    mb_status (*buffer_alloc)(mb_device *device, uint64_t size, uint32_t usage, mb_buffer **buffer);
    void (*buffer_free)(mb_buffer *buffer);

    /* Contexts: in-order queues of work. A failed op puts its context in error: later work on it is skipped
     * and every later call on it returns the first error's status, with context_last_error naming it. */
    mb_status (*context_create)(mb_device *device, mb_context **context);
    void (*context_destroy)(mb_context *context);
    const char *(*context_last_error)(mb_context *context); /* never NULL; "" when there was none */

    /* Asynchronous transfers, ordered with the context's other work. The host keeps src (write) valid and
     * unchanged, and dst (read) valid, until the context has synchronized past them. A plugin may finish
     * them before returning (the reference plugin does). */
    mb_status (*buffer_write_async)(mb_context *context, mb_buffer *dst, uint64_t dst_offset, const void *src, uint64_t size);
    mb_status (*buffer_read_async)(mb_context *context, mb_buffer *src, uint64_t src_offset, void *dst, uint64_t size);
    mb_status (*buffer_copy_async)(mb_context *context, mb_buffer *src, uint64_t src_offset, mb_buffer *dst, uint64_t dst_offset, uint64_t size);

    /* A step: n_ops ops run in order, submitted at once (one command buffer, one graph launch). The op
     * descriptors only need to live for the duration of the call; the buffers until the context synchronizes.
     * Returns MB_ERR_INVALID_ARGUMENT or MB_ERR_UNSUPPORTED for a step it refuses before running anything. */
    mb_status (*step_submit)(mb_context *context, const mb_op *const *ops, uint32_t n_ops);
    /* Waits for everything queued on the context; returns the first error of that work, if any. */
    mb_status (*context_synchronize)(mb_context *context);

    /* Events: event_record marks the point reached by the context's queue so far; event_wait makes a context
     * wait (on the device) until that point; event_synchronize makes the host wait. */
    mb_status (*event_create)(mb_device *device, mb_event **event);
    void (*event_destroy)(mb_event *event);
    mb_status (*event_record)(mb_context *context, mb_event *event);
    mb_status (*event_wait)(mb_context *context, mb_event *event);
    mb_status (*event_synchronize)(mb_event *event);
} mb_api;
#define MB_API_STRUCT_SIZE MB_STRUCT_SIZE(mb_api, event_synchronize)

/* ------------------------------------------------------------------------------------------------------ */
/* The library's exports. meridian_backend_get_api is required: it gets the host's ABI version and returns the
 * plugin's table (static storage, valid until the library is unloaded), or NULL when the plugin cannot serve
 * that host at all. meridian_backend_score is optional (a plugin without it scores 1): 0 means "no usable
 * device on this machine"; among the backends available, the highest score is picked when the user names
 * none. Meridian's CPU backend scores 100, so a plugin that should be preferred over it returns more, and a
 * plugin that is only ever used when named (the reference plugin) returns 1. */
typedef const mb_api *(*mb_get_api_fn)(uint32_t host_major, uint32_t host_minor);
typedef int32_t (*mb_score_fn)(void);

#define MB_GET_API_SYMBOL "meridian_backend_get_api"
#define MB_SCORE_SYMBOL "meridian_backend_score"

MB_EXPORT const mb_api *meridian_backend_get_api(uint32_t host_major, uint32_t host_minor);
MB_EXPORT int32_t meridian_backend_score(void);

#ifdef __cplusplus
}
#endif

#endif /* MERIDIAN_BACKEND_H */
