// The status codes of native/include/meridian_backend.h (mb_status), and their names for messages.
namespace Meridian.Backends.Native.Interop;

/// <summary>mb_status values.</summary>
internal static class MbStatus
{
    public const int Ok = 0;
    public const int InvalidArgument = 1;
    public const int Unsupported = 2;
    public const int OutOfMemory = 3;
    public const int Device = 4;
    public const int Internal = 5;

    /// <summary>The constant's name as the header spells it ("MB_ERR_DEVICE"), or the number when unknown.</summary>
    public static string Name(int status) => status switch
    {
        Ok => "MB_OK",
        InvalidArgument => "MB_ERR_INVALID_ARGUMENT",
        Unsupported => "MB_ERR_UNSUPPORTED",
        OutOfMemory => "MB_ERR_OUT_OF_MEMORY",
        Device => "MB_ERR_DEVICE",
        Internal => "MB_ERR_INTERNAL",
        _ => $"status {status}",
    };
}
