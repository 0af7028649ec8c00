/*
 * smoke.c: a smoke test of the reference plugin through its own function table, as a host would drive it:
 * a Q8_0 matmul and an argmax checked against values worked out by hand, then a refused matmul and the sticky
 * error it leaves on its context. Exit code 0 when everything holds. Run by ctest.
 */
#include <stdio.h>
#include <string.h>

#include "meridian_backend.h"
#include "reference.h" /* ref_f32_to_f16, linked from the same objects as the plugin */

static int failures = 0;

#define EXPECT(condition, ...)                                                                                 \
    do {                                                                                                       \
        if (!(condition)) {                                                                                    \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                        \
            printf(__VA_ARGS__);                                                                               \
            printf("\n");                                                                                      \
            failures++;                                                                                        \
        }                                                                                                      \
    } while (0)

/* A contiguous 2-D view as a v1 host passes it: ne = {cols, rows, 1, 1}, nb = {block bytes, row bytes,
 * rows * row bytes, same}. block_size values take block_bytes bytes (1 and 4 for f32). */
static mb_tensor view(mb_buffer *buffer, uint64_t offset, uint32_t dtype, int64_t cols, int64_t rows, int64_t block_size, uint64_t block_bytes)
{
    mb_tensor t;
    memset(&t, 0, sizeof t);
    t.struct_size = MB_TENSOR_STRUCT_SIZE;
    t.buffer = buffer;
    t.offset = offset;
    t.dtype = dtype;
    t.ne[0] = cols;
    t.ne[1] = rows;
    t.ne[2] = 1;
    t.ne[3] = 1;
    t.nb[0] = block_bytes;
    t.nb[1] = (uint64_t)(cols / block_size) * block_bytes;
    t.nb[2] = t.nb[1] * (uint64_t)rows;
    t.nb[3] = t.nb[2];
    return t;
}

static mb_op op2(uint32_t kind, mb_tensor src0, mb_tensor src1, mb_tensor dst)
{
    mb_op op;
    memset(&op, 0, sizeof op);
    op.struct_size = MB_OP_STRUCT_SIZE;
    op.op = kind;
    op.n_src = 2;
    op.src[0] = src0;
    op.src[1] = src1;
    op.dst = dst;
    return op;
}

int main(void)
{
    /* f32 -> f16 rounding at the edges (the SCATTER_ROWS conversion). */
    EXPECT(ref_f32_to_f16(1.0f) == 0x3C00, "1.0 -> f16");
    EXPECT(ref_f32_to_f16(65504.0f) == 0x7BFF, "65504 is the largest half");
    EXPECT(ref_f32_to_f16(65520.0f) == 0x7C00, "65520 rounds to infinity (a tie, and 65504 is odd)");
    EXPECT(ref_f32_to_f16(5.9604644775390625e-8f) == 0x0001, "2^-24 is the smallest subnormal");
    EXPECT(ref_f32_to_f16(2.98023223876953125e-8f) == 0x0000, "2^-25 is a tie between 0 and 2^-24: even, 0");
    EXPECT(ref_f32_to_f16(1.0f + 1.0f / 2048.0f) == 0x3C00, "1 + 2^-11 is a tie: even, 1.0");
    EXPECT(ref_f32_to_f16(1.0f + 3.0f / 2048.0f) == 0x3C02, "1 + 3 * 2^-11 is a tie: even, 1 + 2^-9");

    const mb_api *api = meridian_backend_get_api(MB_ABI_MAJOR, MB_ABI_MINOR);
    EXPECT(api != NULL, "meridian_backend_get_api(1, 0) returned NULL");
    if (api == NULL)
        return 1;
    EXPECT(api->struct_size == MB_API_STRUCT_SIZE && api->abi_major == MB_ABI_MAJOR, "table header");
    EXPECT(strcmp(api->name, "reference-c") == 0, "name %s", api->name);
    EXPECT(meridian_backend_get_api(MB_ABI_MAJOR + 1, 0) == NULL, "a host of another major gets no table");

    int32_t count = 0;
    mb_device *device = NULL;
    EXPECT(api->device_count(&count) == MB_OK && count == 1, "device_count");
    EXPECT(api->device_open(0, &device) == MB_OK && device != NULL, "device_open");
    if (device == NULL)
        return 1;
    mb_device_props props;
    memset(&props, 0, sizeof props);
    props.struct_size = MB_DEVICE_PROPS_STRUCT_SIZE;
    EXPECT(api->device_props(device, &props) == MB_OK, "device_props");
    EXPECT(strcmp(props.name, "reference (scalar C)") == 0 && props.kind == MB_DEVICE_CPU && props.alignment == 64, "props %s", props.name);

    /* Buffers: w [2, 32] Q8_0 (two 34-byte blocks), x room for [1, 64] f32, y [1, 2] f32, index [1, 1] i32. */
    mb_buffer *w_buf = NULL, *x_buf = NULL, *y_buf = NULL, *i_buf = NULL;
    EXPECT(api->buffer_alloc(device, 68, MB_USAGE_WEIGHTS, &w_buf) == MB_OK, "alloc w");
    EXPECT(api->buffer_alloc(device, 256, MB_USAGE_SCRATCH, &x_buf) == MB_OK, "alloc x");
    EXPECT(api->buffer_alloc(device, 8, MB_USAGE_SCRATCH, &y_buf) == MB_OK, "alloc y");
    EXPECT(api->buffer_alloc(device, 4, MB_USAGE_SCRATCH, &i_buf) == MB_OK, "alloc index");
    mb_buffer *empty = NULL;
    EXPECT(api->buffer_alloc(device, 0, MB_USAGE_SCRATCH, &empty) == MB_ERR_INVALID_ARGUMENT && empty == NULL, "a 0-byte buffer is refused");
    EXPECT(strstr(api->device_last_error(device), "size 0") != NULL, "device message: %s", api->device_last_error(device));
    if (w_buf == NULL || x_buf == NULL || y_buf == NULL || i_buf == NULL)
        return 1;

    /* The weight, by hand. A Q8_0 block is an f16 scale d, then 32 signed bytes q; w = d * q.
     *   row 0: d = 0.5  (f16 0x3800), q[j] = j - 16  -> w0[j] = 0.5 * (j - 16)
     *   row 1: d = 0.25 (f16 0x3400), q[j] = 127     -> w1[j] = 31.75 */
    uint8_t w[68];
    w[0] = 0x00;
    w[1] = 0x38;
    for (int j = 0; j < 32; j++)
        w[2 + j] = (uint8_t)(int8_t)(j - 16);
    w[34] = 0x00;
    w[35] = 0x34;
    for (int j = 0; j < 32; j++)
        w[36 + j] = 127;

    /* The input: x[j] = 1 except x[5] = 2.5 and x[31] = 127. Q8_0 weights make the plugin round x to 8 bits per
     * block of 32 first, as Meridian's CPU does: amax = 127, so d = 1 and q = round-half-even(x): every value
     * stays except x[5] = 2.5, which becomes 2 (a tie, to even). So x' = 1 everywhere but x'[5] = 2, x'[31] = 127.
     *   y0 = sum 0.5 * (j - 16) * x'[j]
     *      = 0.5 * (sum_{j=0..30} (j - 16)  +  (5 - 16) * (2 - 1)  +  (31 - 16) * 127)
     *      = 0.5 * ((465 - 496) - 11 + 1905) = 0.5 * 1863 = 931.5
     *   y1 = 31.75 * sum x' = 31.75 * (30 + 2 + 127) = 31.75 * 159 = 5048.25
     * Every partial sum is a multiple of 0.25 far below 2^22, so f32 holds it exactly: the comparison is exact.
     * (Without the rounding y0 would be 928.75.) ARGMAX of [931.5, 5048.25] is 1. */
    float x[32];
    for (int j = 0; j < 32; j++)
        x[j] = 1.0f;
    x[5] = 2.5f;
    x[31] = 127.0f;

    mb_context *context = NULL;
    EXPECT(api->context_create(device, &context) == MB_OK, "context_create");
    if (context == NULL)
        return 1;
    EXPECT(strcmp(api->context_last_error(context), "") == 0, "a new context has no error");
    EXPECT(api->buffer_write_async(context, w_buf, 0, w, sizeof w) == MB_OK, "write w");
    EXPECT(api->buffer_write_async(context, x_buf, 0, x, sizeof x) == MB_OK, "write x");

    mb_tensor w_t = view(w_buf, 0, MB_DTYPE_Q8_0, 32, 2, 32, 34);
    mb_tensor x_t = view(x_buf, 0, MB_DTYPE_F32, 32, 1, 1, 4);
    mb_tensor y_t = view(y_buf, 0, MB_DTYPE_F32, 2, 1, 1, 4);
    mb_tensor i_t = view(i_buf, 0, MB_DTYPE_I32, 1, 1, 1, 4);
    mb_op matmul = op2(MB_OP_MATMUL, w_t, x_t, y_t);
    mb_op argmax = op2(MB_OP_ARGMAX, y_t, y_t, i_t);
    argmax.n_src = 1;

    int32_t supported = -1;
    EXPECT(api->device_supports(device, &matmul, &supported) == MB_OK && supported == 1, "matmul on q8_0 is supported");
    mb_op bad_dtype = matmul;
    bad_dtype.src[0].dtype = MB_DTYPE_I32;
    EXPECT(api->device_supports(device, &bad_dtype, &supported) == MB_OK && supported == 0, "matmul on i32 is not");

    const mb_op *step[2] = {&matmul, &argmax};
    EXPECT(api->step_submit(context, step, 2) == MB_OK, "step: %s", api->context_last_error(context));
    EXPECT(api->context_synchronize(context) == MB_OK, "synchronize");
    float y[2] = {0.0f, 0.0f};
    int32_t index = -1;
    EXPECT(api->buffer_read_async(context, y_buf, 0, y, sizeof y) == MB_OK, "read y");
    EXPECT(api->buffer_read_async(context, i_buf, 0, &index, sizeof index) == MB_OK, "read index");
    EXPECT(api->context_synchronize(context) == MB_OK, "synchronize");
    EXPECT(y[0] == 931.5f && y[1] == 5048.25f, "y = [%.9g, %.9g], expected [931.5, 5048.25]", (double)y[0], (double)y[1]);
    EXPECT(index == 1, "argmax = %d, expected 1", (int)index);

    /* A matmul whose x has 64 columns against a weight of 32 is refused before it runs, with a message that
     * names the op and the operand, and leaves the context in error: every later call returns the same status. */
    mb_op mismatched = matmul;
    mismatched.src[1] = view(x_buf, 0, MB_DTYPE_F32, 64, 1, 1, 4);
    const mb_op *bad_step[1] = {&mismatched};
    EXPECT(api->step_submit(context, bad_step, 1) == MB_ERR_INVALID_ARGUMENT, "the mismatched matmul is refused");
    const char *message = api->context_last_error(context);
    EXPECT(strstr(message, "matmul: src[1] x has 64 columns, the weight has 32") != NULL, "message: %s", message);
    EXPECT(api->context_synchronize(context) == MB_ERR_INVALID_ARGUMENT, "synchronize reports the error");
    EXPECT(api->step_submit(context, step, 2) == MB_ERR_INVALID_ARGUMENT, "a later step is skipped with the first error");
    EXPECT(strcmp(api->context_last_error(context), message) == 0, "the first message is kept");
    printf("refused as expected: %s\n", message);

    api->context_destroy(context);
    api->buffer_free(w_buf);
    api->buffer_free(x_buf);
    api->buffer_free(y_buf);
    api->buffer_free(i_buf);
    api->device_close(device);

    if (failures == 0)
        printf("reference plugin smoke test: all checks passed\n");
    return failures == 0 ? 0 : 1;
}
