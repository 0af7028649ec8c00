/*
 * abi_layout.c: prints the layout of every struct in meridian_backend.h as this C compiler sees it, and the ABI
 * constants, one per line, for Meridian's C# test to compare with its own declarations. Nothing else goes to stdout.
 *   sizeof <struct> <bytes> | offsetof <struct> <field> <bytes> | const <NAME> <value>
 */
#include <stddef.h>
#include <stdio.h>

#include "meridian_backend.h"

#define SIZE(type) printf("sizeof %s %zu\n", #type, sizeof(type))
#define OFFSET(type, field) printf("offsetof %s %s %zu\n", #type, #field, offsetof(type, field))
#define CONSTANT(name) printf("const %s %llu\n", #name, (unsigned long long)(name))

int main(void)
{
    SIZE(mb_extension);
    OFFSET(mb_extension, struct_size);
    OFFSET(mb_extension, next);
    OFFSET(mb_extension, type);
    OFFSET(mb_extension, reserved);

    SIZE(mb_device_props);
    OFFSET(mb_device_props, struct_size);
    OFFSET(mb_device_props, next);
    OFFSET(mb_device_props, name);
    OFFSET(mb_device_props, kind);
    OFFSET(mb_device_props, reserved);
    OFFSET(mb_device_props, memory_bytes);
    OFFSET(mb_device_props, max_allocation_bytes);
    OFFSET(mb_device_props, alignment);

    SIZE(mb_tensor);
    OFFSET(mb_tensor, struct_size);
    OFFSET(mb_tensor, next);
    OFFSET(mb_tensor, buffer);
    OFFSET(mb_tensor, offset);
    OFFSET(mb_tensor, dtype);
    OFFSET(mb_tensor, reserved);
    OFFSET(mb_tensor, ne);
    OFFSET(mb_tensor, nb);

    SIZE(mb_rms_norm_params);
    OFFSET(mb_rms_norm_params, eps);

    SIZE(mb_rope_params);
    OFFSET(mb_rope_params, head_dim);
    OFFSET(mb_rope_params, layout);
    OFFSET(mb_rope_params, theta);

    SIZE(mb_attention_params);
    OFFSET(mb_attention_params, num_heads);
    OFFSET(mb_attention_params, num_kv_heads);
    OFFSET(mb_attention_params, head_dim);
    OFFSET(mb_attention_params, block_size);
    OFFSET(mb_attention_params, max_context_length);
    OFFSET(mb_attention_params, sliding_window);
    OFFSET(mb_attention_params, scale);
    OFFSET(mb_attention_params, softcap);

    SIZE(mb_op_params);
    OFFSET(mb_op_params, rms_norm);
    OFFSET(mb_op_params, rope);
    OFFSET(mb_op_params, attention);
    OFFSET(mb_op_params, bytes);

    SIZE(mb_op);
    OFFSET(mb_op, struct_size);
    OFFSET(mb_op, next);
    OFFSET(mb_op, op);
    OFFSET(mb_op, n_src);
    OFFSET(mb_op, src);
    OFFSET(mb_op, dst);
    OFFSET(mb_op, params);

    SIZE(mb_api);
    OFFSET(mb_api, struct_size);
    OFFSET(mb_api, next);
    OFFSET(mb_api, abi_major);
    OFFSET(mb_api, abi_minor);
    OFFSET(mb_api, name);
    OFFSET(mb_api, version);
    OFFSET(mb_api, device_count);
    OFFSET(mb_api, device_open);
    OFFSET(mb_api, device_close);
    OFFSET(mb_api, device_props);
    OFFSET(mb_api, device_supports);
    OFFSET(mb_api, device_last_error);
    OFFSET(mb_api, buffer_alloc);
    OFFSET(mb_api, buffer_free);
    OFFSET(mb_api, context_create);
    OFFSET(mb_api, context_destroy);
    OFFSET(mb_api, context_last_error);
    OFFSET(mb_api, buffer_write_async);
    OFFSET(mb_api, buffer_read_async);
    OFFSET(mb_api, buffer_copy_async);
    OFFSET(mb_api, step_submit);
    OFFSET(mb_api, context_synchronize);
    OFFSET(mb_api, event_create);
    OFFSET(mb_api, event_destroy);
    OFFSET(mb_api, event_record);
    OFFSET(mb_api, event_wait);
    OFFSET(mb_api, event_synchronize);

    CONSTANT(MB_ABI_MAJOR);
    CONSTANT(MB_ABI_MINOR);
    CONSTANT(MB_API_STRUCT_SIZE);
    CONSTANT(MB_OP_STRUCT_SIZE);
    CONSTANT(MB_TENSOR_STRUCT_SIZE);
    CONSTANT(MB_DEVICE_PROPS_STRUCT_SIZE);
    CONSTANT(MB_EXTENSION_STRUCT_SIZE);
    CONSTANT(MB_MAX_SRC);
    CONSTANT(MB_OP_COUNT);
    return 0;
}
