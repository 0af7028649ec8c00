// Fills mb_op descriptors: from DeviceTensors for a step, and with dtypes only for device_supports.
using Meridian.Backends.Native.Interop;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Native;

/// <summary>mb_op and mb_tensor as the header lays them out.</summary>
internal static unsafe class OpDescriptors
{
    /// <summary>
    /// The descriptor device_supports is asked about for (op, keyed dtype): every operand's dtype as the op would
    /// pass it (the keyed slot gets <paramref name="type"/>, per-step integers I32, the rest f32 or the keyed
    /// dtype where the contract makes them the same), no buffers, zero shapes and parameters ("any").
    /// </summary>
    public static MbOp ForSupports(BackendOp op, DType type)
    {
        var (sources, dst) = op switch
        {
            BackendOp.EmbeddingLookup => (new[] { type, DType.I32 }, DType.F32),
            BackendOp.MatMul => ([type, DType.F32], DType.F32),
            BackendOp.RmsNorm => ([type, type], type),
            BackendOp.Rope => ([type, DType.I32, DType.F32], type),
            BackendOp.PagedAttention => ([DType.F32, type, type, DType.I32, DType.I32], DType.F32),
            BackendOp.ScatterRows => ([DType.F32, DType.I32], type),
            BackendOp.GatherRows => ([type, DType.I32], type),
            BackendOp.SwiGlu or BackendOp.Add => ([type, type], type),
            BackendOp.Softmax or BackendOp.Copy => ([type], type),
            BackendOp.ArgMax => ([type], DType.I32),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not an op of contract v1"),
        };
        var desc = New(op, sources.Length);
        for (int i = 0; i < sources.Length; i++)
            desc.Src[i] = Shapeless(sources[i]);
        desc.Dst = Shapeless(dst);
        return desc;
    }

    /// <summary>An op with <paramref name="sourceCount"/> operands and everything else zero.</summary>
    public static MbOp New(BackendOp op, int sourceCount)
    {
        var desc = default(MbOp);
        Init(ref desc, op, sourceCount);
        return desc;
    }

    /// <summary>Makes <paramref name="desc"/> an op with <paramref name="sourceCount"/> operands and everything else zero.</summary>
    public static void Init(ref MbOp desc, BackendOp op, int sourceCount)
    {
        desc = default;
        desc.StructSize = (nuint)sizeof(MbOp);
        desc.Op = (MbOpKind)op;
        desc.SourceCount = (uint)sourceCount;
        for (int i = 0; i < MbAbi.MaxSources; i++)
            desc.Src[i].StructSize = (nuint)sizeof(MbTensor);
        desc.Dst.StructSize = (nuint)sizeof(MbTensor);
    }

    /// <summary>A contiguous 2-D view: ne = {cols, rows, 1, 1}, nb = {block bytes, row bytes, total, total}.</summary>
    public static void Fill(ref MbTensor m, nint buffer, in DeviceTensor t, long rowBytes)
    {
        int blockSize = t.Type is DType.F32 or DType.I32 ? 1 : t.Type.Info().BlockSize;
        m.Buffer = buffer;
        m.Offset = (ulong)t.ByteOffset;
        m.DType = (uint)t.Type;
        m.Ne[0] = t.Cols;
        m.Ne[1] = t.Rows;
        m.Ne[2] = 1;
        m.Ne[3] = 1;
        m.Nb[0] = (ulong)(rowBytes / Math.Max(1, t.Cols / blockSize)); // one element's (or block's) bytes
        m.Nb[1] = (ulong)rowBytes;
        m.Nb[2] = (ulong)(rowBytes * t.Rows);
        m.Nb[3] = m.Nb[2];
    }

    private static MbTensor Shapeless(DType type) => new() { StructSize = (nuint)sizeof(MbTensor), DType = (uint)type };
}
