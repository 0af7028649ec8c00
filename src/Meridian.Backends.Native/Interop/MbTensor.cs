// mb_tensor: a view of a buffer, ggml's model (4 dims, ne[0] innermost, byte strides).
using System.Runtime.InteropServices;

namespace Meridian.Backends.Native.Interop;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MbTensor
{
    public nuint StructSize;
    public MbExtension* Next;
    public nint Buffer;          // mb_buffer*; 0 = absent operand
    public ulong Offset;
    public uint DType;           // MB_DTYPE_* (GGUF type id)
    public uint Reserved;
    public fixed long Ne[4];
    public fixed ulong Nb[4];
}
