/*
 * reference.h: what the reference plugin's files share (handles, validated tensor views, the dtype table, the
 * op and decoder entry points). Internal: nothing here is part of the ABI, which is meridian_backend.h alone.
 */
#ifndef MERIDIAN_REFERENCE_H
#define MERIDIAN_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

#include "meridian_backend.h"

/* Every message this plugin keeps (device and context errors) fits this many bytes, NUL included; longer ones
 * are cut short, never overrun. */
#define REF_MESSAGE_SIZE 512

/* Every buffer starts on this boundary (reported as mb_device_props.alignment). 64 bytes is a cache line, and
 * enough for any vector load a vendor's kernels may want. */
#define REF_ALIGNMENT 64

/* The fault variants the build makes from the same sources (CMakeLists.txt compiles reference_api.c once per
 * variant with MB_REFERENCE_FAULT set). They exist so Meridian's tests can check that the host refuses a bad
 * plugin with a clear message; a vendor's plugin has none of this. */
#define MB_FAULT_NONE 0
#define MB_FAULT_NEWER_MAJOR 1      /* the table claims abi_major = MB_ABI_MAJOR + 1 */
#define MB_FAULT_MISSING_FUNCTION 2 /* the table has buffer_read_async = NULL */
#define MB_FAULT_SHORT_TABLE 3      /* the table claims 1.0 but its struct_size stops before step_submit */
#define MB_FAULT_NO_ENTRY 4         /* meridian_backend_get_api is not exported at all */
#define MB_FAULT_OP_ERROR 5         /* every ADD fails at run time with MB_ERR_DEVICE */
#define MB_FAULT_NULL_OPS 6         /* step_submit accepts every step and runs nothing: the host side's cost alone */
#ifndef MB_REFERENCE_FAULT
#define MB_REFERENCE_FAULT MB_FAULT_NONE
#endif

/* ------------------------------------------------------------------------------------------------------ */
/* The opaque handles of the ABI. A real device would keep driver objects here (a device handle, a device
 * pointer, a stream, an event); the reference plugin runs on the host, so they are plain host memory. */

struct mb_device {
    uint64_t memory_bytes;               /* physical RAM, read once at open */
    char last_error[REF_MESSAGE_SIZE];   /* device_last_error; "" when none */
};

struct mb_buffer {
    mb_device *device;   /* the device it was allocated on */
    uint8_t *data;       /* [size] bytes, REF_ALIGNMENT-aligned, inside `allocation` */
    uint64_t size;
    void *allocation;    /* what calloc returned (data is rounded up from it); what free gets */
    uint32_t usage;      /* MB_USAGE_*; the reference plugin places every buffer the same way */
};

struct mb_context {
    mb_device *device;
    mb_status status;                   /* MB_OK, or the first error: sticky (see meridian_backend.h) */
    char last_error[REF_MESSAGE_SIZE];  /* context_last_error; "" while status is MB_OK */
};

struct mb_event {
    mb_device *device;
    int recorded; /* set by event_record; kept only so a vendor sees where the state would live */
};

/* ------------------------------------------------------------------------------------------------------ */
/* Element types: GGUF's block size (values per block) and type size (bytes per block). F32, F16, BF16 and I32
 * are "blocks" of one value. */
typedef struct ref_dtype_info {
    uint32_t dtype;      /* MB_DTYPE_* */
    const char *name;    /* as GGUF and Meridian print it: "q4_0", "q6_K" */
    uint32_t block_size; /* values per block */
    uint32_t type_size;  /* bytes per block */
    int decodable;       /* 1 when ref_decode_row turns it into f32 (everything but I32) */
} ref_dtype_info;

/* The entry for `dtype`, or NULL for an id this plugin does not know. */
const ref_dtype_info *ref_dtype(uint32_t dtype);

/* The dtype's name for messages; "dtype 99" style text for unknown ids (in a static buffer: messages only). */
const char *ref_dtype_name(uint32_t dtype);

/* ------------------------------------------------------------------------------------------------------ */
/* A tensor after validation (reference_api.c, ref_check_tensor): a contiguous 2-D view that lies inside its
 * buffer. Shapes are bounded by INT32_MAX (as Meridian's own shapes are), byte counts are 64-bit. */
typedef struct ref_view {
    uint8_t *data;          /* first byte of the view, inside its buffer */
    const mb_buffer *buffer;
    uint64_t offset;        /* byte offset of data in the buffer */
    uint64_t bytes;         /* rows * row_bytes */
    uint64_t row_bytes;     /* nb[1] */
    uint32_t dtype;         /* MB_DTYPE_* */
    int32_t cols;           /* ne[0]: values per row */
    int32_t rows;           /* ne[1] */
} ref_view;

/* The operands of one op after validation: src[i] is meaningful for i < n_src and has_src[i]. */
typedef struct ref_args {
    uint32_t op;
    uint32_t n_src;
    int has_src[MB_MAX_SRC];
    ref_view src[MB_MAX_SRC];
    ref_view dst;
    mb_op_params params;
} ref_args;

/* Writes a printf-style message into msg (REF_MESSAGE_SIZE bytes) and returns status, so a check reads
 * `return ref_fail(msg, MB_ERR_INVALID_ARGUMENT, "...", ...);`. */
mb_status ref_fail(char *msg, mb_status status, const char *format, ...);

/* ------------------------------------------------------------------------------------------------------ */
/* reference_quant.c: IEEE half and bfloat16 conversion, GGUF block decoding. */

float ref_f16_to_f32(uint16_t h);  /* exact */
uint16_t ref_f32_to_f16(float f);  /* round to nearest, ties to even; overflow to inf; NaN stays NaN */
float ref_bf16_to_f32(uint16_t h); /* exact */

/* Decodes n values (a whole number of blocks) of `dtype` from src into dst [n] f32. dtype must be decodable. */
void ref_decode_row(uint32_t dtype, const uint8_t *src, int64_t n, float *dst);

/* Rounds x [n] f32 (n a multiple of 32) to 8 bits per block of 32 and writes the values the codes stand for
 * into dst [n] f32 (Meridian's ActivationQuantReference; dst may be x). */
void ref_round_activations_q8(const float *x, int64_t n, float *dst);

/* ------------------------------------------------------------------------------------------------------ */
/* reference_ops.c: the twelve ops on validated operands. Each checks the indexes it reads from i32 tensors
 * (ids, positions, rows, sequences, block tables) before it uses them, and returns MB_OK or a status with a
 * message in msg [REF_MESSAGE_SIZE]. */

mb_status ref_op_embedding_lookup(const ref_args *a, char *msg);
mb_status ref_op_matmul(const ref_args *a, char *msg);
mb_status ref_op_rms_norm(const ref_args *a, char *msg);
mb_status ref_op_rope(const ref_args *a, char *msg);
mb_status ref_op_paged_attention(const ref_args *a, char *msg);
mb_status ref_op_scatter_rows(const ref_args *a, char *msg);
mb_status ref_op_gather_rows(const ref_args *a, char *msg);
mb_status ref_op_swiglu(const ref_args *a, char *msg);
mb_status ref_op_add(const ref_args *a, char *msg);
mb_status ref_op_softmax(const ref_args *a, char *msg);
mb_status ref_op_copy(const ref_args *a, char *msg);
mb_status ref_op_argmax(const ref_args *a, char *msg);

/* The dot product of a [n] and b [n] f32 with eight partial sums added in a fixed order: the same result on
 * every run and thread count, and a loop the compiler can vectorize without being told it may reorder. */
float ref_dot_f32(const float *a, const float *b, int64_t n);

#endif /* MERIDIAN_REFERENCE_H */
