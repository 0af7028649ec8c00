// mb_device_props: what device_props fills in.
using System.Runtime.InteropServices;
using System.Text;

namespace Meridian.Backends.Native.Interop;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MbDeviceProps
{
    public nuint StructSize;
    public MbExtension* Next;
    public fixed byte Name[128];   // UTF-8, NUL-terminated
    public uint Kind;              // MB_DEVICE_*
    public uint Reserved;
    public ulong MemoryBytes;
    public ulong MaxAllocationBytes;
    public ulong Alignment;

    /// <summary>The name up to its NUL (or all 128 bytes when a plugin forgot the NUL).</summary>
    public string NameString()
    {
        fixed (byte* p = Name)
        {
            var bytes = new ReadOnlySpan<byte>(p, 128);
            int end = bytes.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
        }
    }
}
