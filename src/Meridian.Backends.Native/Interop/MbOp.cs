// mb_op and its parameter union: one op of a step, and the descriptor device_supports is asked about.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Meridian.Backends.Native.Interop;

/// <summary>MB_OP_*: the same numbering as <see cref="Meridian.Core.Backends.BackendOp"/>.</summary>
internal enum MbOpKind : uint
{
    EmbeddingLookup = 0,
    MatMul = 1,
    RmsNorm = 2,
    Rope = 3,
    PagedAttention = 4,
    ScatterRows = 5,
    GatherRows = 6,
    SwiGlu = 7,
    Add = 8,
    Softmax = 9,
    Copy = 10,
    ArgMax = 11,
}

[StructLayout(LayoutKind.Sequential)]
internal struct MbRmsNormParams
{
    public float Eps;
}

[StructLayout(LayoutKind.Sequential)]
internal struct MbRopeParams
{
    public uint HeadDim;
    public uint Layout;   // MB_ROPE_INTERLEAVED = 0, MB_ROPE_ROTATE_HALF = 1
    public float Theta;
}

[StructLayout(LayoutKind.Sequential)]
internal struct MbAttentionParams
{
    public uint NumHeads;
    public uint NumKvHeads;
    public uint HeadDim;
    public uint BlockSize;
    public uint MaxContextLength;
    public int SlidingWindow;
    public float Scale;
    public float Softcap;
}

/// <summary>The C union mb_op_params: 64 bytes whatever the op.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct MbOpParams
{
    [FieldOffset(0)] public MbRmsNormParams RmsNorm;
    [FieldOffset(0)] public MbRopeParams Rope;
    [FieldOffset(0)] public MbAttentionParams Attention;
}

/// <summary>mb_tensor src[MB_MAX_SRC].</summary>
[InlineArray(MbAbi.MaxSources)]
internal struct MbTensorSources
{
    private MbTensor _element0;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MbOp
{
    public nuint StructSize;
    public MbExtension* Next;
    public MbOpKind Op;
    public uint SourceCount;
    public MbTensorSources Src;
    public MbTensor Dst;
    public MbOpParams Params;
}
