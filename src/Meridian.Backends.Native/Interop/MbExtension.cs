// mb_extension: one link of the optional extension chain every ABI struct starts with.
using System.Runtime.InteropServices;

namespace Meridian.Backends.Native.Interop;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MbExtension
{
    public nuint StructSize;
    public MbExtension* Next;
    public uint Type;
    public uint Reserved;
}
