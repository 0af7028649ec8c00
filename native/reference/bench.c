/*
 * bench.c: times the reference plugin's matmul on one shape of a 1.1B model (TinyLlama's FFN up/gate, [5632, 2048]
 * Q4_0 weights against one token), through the function table. Not a test: it prints milliseconds per matmul.
 *   meridian-reference-bench [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meridian_backend.h"

static double now_seconds(void)
{
    struct timespec t;
    timespec_get(&t, TIME_UTC); /* C11; wall-clock time, which is what a multi-threaded matmul should be timed by */
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static mb_tensor view(mb_buffer *buffer, uint32_t dtype, int64_t cols, int64_t rows, int64_t block_size, uint64_t block_bytes)
{
    mb_tensor t;
    memset(&t, 0, sizeof t);
    t.struct_size = MB_TENSOR_STRUCT_SIZE;
    t.buffer = buffer;
    t.dtype = dtype;
    t.ne[0] = cols;
    t.ne[1] = rows;
    t.ne[2] = t.ne[3] = 1;
    t.nb[0] = block_bytes;
    t.nb[1] = (uint64_t)(cols / block_size) * block_bytes;
    t.nb[2] = t.nb[3] = t.nb[1] * (uint64_t)rows;
    return t;
}

int main(int argc, char **argv)
{
    const int n = 5632, k = 2048, iterations = argc > 1 ? atoi(argv[1]) : 50;
    const size_t w_bytes = (size_t)n * (k / 32) * 18;
    const mb_api *api = meridian_backend_get_api(MB_ABI_MAJOR, MB_ABI_MINOR);
    mb_device *device = NULL;
    mb_context *context = NULL;
    mb_buffer *w_buf = NULL, *x_buf = NULL, *y_buf = NULL;
    if (api == NULL || api->device_open(0, &device) != MB_OK || api->context_create(device, &context) != MB_OK
        || api->buffer_alloc(device, w_bytes, MB_USAGE_WEIGHTS, &w_buf) != MB_OK
        || api->buffer_alloc(device, (uint64_t)k * 4, MB_USAGE_SCRATCH, &x_buf) != MB_OK
        || api->buffer_alloc(device, (uint64_t)n * 4, MB_USAGE_SCRATCH, &y_buf) != MB_OK) {
        printf("setup failed\n");
        return 1;
    }

    /* Pseudo-random blocks with a small scale (f16 0x2000 = 2^-7), and a pseudo-random input. */
    uint8_t *w = malloc(w_bytes);
    float *x = malloc((size_t)k * sizeof(float));
    uint32_t state = 12345;
    for (size_t i = 0; i < w_bytes; i++) {
        state = state * 1664525u + 1013904223u;
        w[i] = (uint8_t)(state >> 24);
    }
    for (size_t b = 0; b < w_bytes; b += 18) {
        w[b] = 0x00;
        w[b + 1] = 0x20;
    }
    for (int i = 0; i < k; i++) {
        state = state * 1664525u + 1013904223u;
        x[i] = (float)(state >> 8) / 16777216.0f - 0.5f;
    }
    api->buffer_write_async(context, w_buf, 0, w, w_bytes);
    api->buffer_write_async(context, x_buf, 0, x, (uint64_t)k * 4);

    mb_op op;
    memset(&op, 0, sizeof op);
    op.struct_size = MB_OP_STRUCT_SIZE;
    op.op = MB_OP_MATMUL;
    op.n_src = 2;
    op.src[0] = view(w_buf, MB_DTYPE_Q4_0, k, n, 32, 18);
    op.src[1] = view(x_buf, MB_DTYPE_F32, k, 1, 1, 4);
    op.dst = view(y_buf, MB_DTYPE_F32, n, 1, 1, 4);
    const mb_op *step[1] = {&op};

    api->step_submit(context, step, 1); /* warm-up: page in the weights */
    double start = now_seconds();
    for (int i = 0; i < iterations; i++)
        api->step_submit(context, step, 1);
    mb_status status = api->context_synchronize(context);
    double ms = (now_seconds() - start) * 1e3 / iterations;
    if (status != MB_OK) {
        printf("matmul failed: %s\n", api->context_last_error(context));
        return 1;
    }
    printf("matmul [%d, %d] q4_0 x [1, %d] f32: %.3f ms per call (%d calls)\n", n, k, k, ms, iterations);

    free(w);
    free(x);
    api->buffer_free(w_buf);
    api->buffer_free(x_buf);
    api->buffer_free(y_buf);
    api->context_destroy(context);
    api->device_close(device);
    return 0;
}
