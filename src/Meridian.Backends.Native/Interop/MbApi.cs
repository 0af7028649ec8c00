// mb_api: the plugin's function table, read through unmanaged function pointers (no delegates, no reflection:
// trimming- and AOT-safe). Field order is the header's; append-only within a major version.
using System.Runtime.InteropServices;

namespace Meridian.Backends.Native.Interop;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MbApi
{
    public nuint StructSize;
    public MbExtension* Next;
    public uint AbiMajor;
    public uint AbiMinor;
    public byte* Name;
    public byte* Version;

    public delegate* unmanaged[Cdecl]<int*, int> DeviceCount;
    public delegate* unmanaged[Cdecl]<int, nint*, int> DeviceOpen;
    public delegate* unmanaged[Cdecl]<nint, void> DeviceClose;
    public delegate* unmanaged[Cdecl]<nint, MbDeviceProps*, int> DeviceProps;
    public delegate* unmanaged[Cdecl]<nint, MbOp*, int*, int> DeviceSupports;
    public delegate* unmanaged[Cdecl]<nint, byte*> DeviceLastError;

    public delegate* unmanaged[Cdecl]<nint, ulong, uint, nint*, int> BufferAlloc;
    public delegate* unmanaged[Cdecl]<nint, void> BufferFree;

    public delegate* unmanaged[Cdecl]<nint, nint*, int> ContextCreate;
    public delegate* unmanaged[Cdecl]<nint, void> ContextDestroy;
    public delegate* unmanaged[Cdecl]<nint, byte*> ContextLastError;

    public delegate* unmanaged[Cdecl]<nint, nint, ulong, void*, ulong, int> BufferWriteAsync;
    public delegate* unmanaged[Cdecl]<nint, nint, ulong, void*, ulong, int> BufferReadAsync;
    public delegate* unmanaged[Cdecl]<nint, nint, ulong, nint, ulong, ulong, int> BufferCopyAsync;

    public delegate* unmanaged[Cdecl]<nint, MbOp**, uint, int> StepSubmit;
    public delegate* unmanaged[Cdecl]<nint, int> ContextSynchronize;

    public delegate* unmanaged[Cdecl]<nint, nint*, int> EventCreate;
    public delegate* unmanaged[Cdecl]<nint, void> EventDestroy;
    public delegate* unmanaged[Cdecl]<nint, nint, int> EventRecord;
    public delegate* unmanaged[Cdecl]<nint, nint, int> EventWait;
    public delegate* unmanaged[Cdecl]<nint, int> EventSynchronize;

    /// <summary>MB_API_STRUCT_SIZE of ABI 1.0: up to and including event_synchronize.</summary>
    public static int StructSize10 => sizeof(MbApi);

    /// <summary>
    /// The 1.0 functions of <paramref name="api"/> by their C names, for the check that a table has none missing:
    /// a null where the header requires a function is refused naming it.
    /// </summary>
    public static (string Name, nint Pointer)[] Functions10(MbApi* api) =>
    [
        ("device_count", (nint)api->DeviceCount), ("device_open", (nint)api->DeviceOpen),
        ("device_close", (nint)api->DeviceClose), ("device_props", (nint)api->DeviceProps),
        ("device_supports", (nint)api->DeviceSupports), ("device_last_error", (nint)api->DeviceLastError),
        ("buffer_alloc", (nint)api->BufferAlloc), ("buffer_free", (nint)api->BufferFree),
        ("context_create", (nint)api->ContextCreate), ("context_destroy", (nint)api->ContextDestroy),
        ("context_last_error", (nint)api->ContextLastError), ("buffer_write_async", (nint)api->BufferWriteAsync),
        ("buffer_read_async", (nint)api->BufferReadAsync), ("buffer_copy_async", (nint)api->BufferCopyAsync),
        ("step_submit", (nint)api->StepSubmit), ("context_synchronize", (nint)api->ContextSynchronize),
        ("event_create", (nint)api->EventCreate), ("event_destroy", (nint)api->EventDestroy),
        ("event_record", (nint)api->EventRecord), ("event_wait", (nint)api->EventWait),
        ("event_synchronize", (nint)api->EventSynchronize),
    ];
}
