// The reference device's stream: each op runs at once, on the calling thread, through ReferenceOps. Every
// argument is checked first (dtype, shape, buffer bounds, index ranges), with a message naming the op and the
// operand, so a model that misuses the contract fails here rather than reading the wrong memory.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Ops;
using Meridian.Core.Tensors;

namespace Meridian.Conformance.Reference;

/// <summary>A synchronous stream on a <see cref="ReferenceDevice"/>.</summary>
internal sealed partial class ReferenceComputeStream(ReferenceDevice device) : IComputeStream
{
    private bool _inStep;

    public IDevice Device => device;

    public void BeginStep()
    {
        if (_inStep)
            throw new InvalidOperationException("BeginStep: a step is already open (SubmitStep it first)");
        _inStep = true;
    }

    public void SubmitStep()
    {
        if (!_inStep)
            throw new InvalidOperationException("SubmitStep: no step is open (call BeginStep first)");
        _inStep = false;
    }

    public void Write(ReadOnlySpan<byte> source, DeviceTensor dst)
    {
        var bytes = Bytes(dst, "Write", "dst");
        if (source.Length != bytes.Length)
            throw new ArgumentException($"Write: {source.Length} bytes into a {bytes.Length}-byte tensor");
        source.CopyTo(bytes);
    }

    public void Read(DeviceTensor src, Span<byte> destination)
    {
        var bytes = Bytes(src, "Read", "src");
        if (destination.Length != bytes.Length)
            throw new ArgumentException($"Read: a {bytes.Length}-byte tensor into {destination.Length} bytes");
        bytes.CopyTo(destination);
    }

    public void Synchronize()
    {
    }

    public void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst)
    {
        const string op = "EmbeddingLookup";
        CheckSupported(BackendOp.EmbeddingLookup, table.Type, op);
        var idSpan = Ints(ids, op, "ids", dst.Rows, 1);
        var output = Floats(dst, op, "dst", ids.Rows, table.Cols);
        CheckIndexes(idSpan, table.Rows, op, "ids");
        ReferenceOps.EmbeddingLookupReference(table.Type, Bytes(table, op, "table"), table.Cols, idSpan, output);
    }

    public void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y)
    {
        const string op = "MatMul";
        CheckSupported(BackendOp.MatMul, w.Type, op);
        var input = Floats(x, op, "x", y.Rows, w.Cols);
        var output = Floats(y, op, "y", x.Rows, w.Rows);
        // Into a copy first: nothing in the contract forbids y from overlapping x.
        var result = new float[output.Length];
        ReferenceOps.MatMulReference(w.Type, Bytes(w, op, "w"), w.Rows, w.Cols, input, result);
        result.CopyTo(output);
    }

    public void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst)
    {
        const string op = "RmsNorm";
        var input = Floats(x, op, "x", dst.Rows, dst.Cols);
        var gain = Floats(weight, op, "weight", 1, x.Cols);
        ReferenceOps.RmsNormReference(input, gain, eps, Floats(dst, op, "dst", x.Rows, x.Cols));
    }

    public void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec)
    {
        const string op = "Rope";
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.HeadDim < 2 || spec.HeadDim % 2 != 0 || x.Cols % spec.HeadDim != 0)
            throw new ArgumentException($"{op}: head dim {spec.HeadDim} must be even and divide the row width {x.Cols}");
        if (spec.RotaryDims < 2 || spec.RotaryDims % 2 != 0 || spec.RotaryDims > spec.HeadDim)
            throw new ArgumentException($"{op}: rotary width {spec.RotaryDims} must be even and at most the head dim {spec.HeadDim}");
        if (spec.FreqFactors != null && spec.FreqFactors.Length != spec.RotaryDims / 2)
            throw new ArgumentException($"{op}: {spec.FreqFactors.Length} frequency factors for rotary width {spec.RotaryDims} (want {spec.RotaryDims / 2})");
        ReferenceOps.RopeReference(Floats(x, op, "x", positions.Rows, x.Cols), Ints(positions, op, "positions", x.Rows, 1), spec);
    }

    public void ScatterRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
    {
        const string op = "ScatterRows";
        CheckSupported(BackendOp.ScatterRows, dst.Type, op);
        var values = Floats(src, op, "src", rows.Rows, dst.Cols);
        var rowSpan = Ints(rows, op, "rows", src.Rows, 1);
        CheckIndexes(rowSpan, dst.Rows, op, "rows");
        if (dst.Type == DType.F32)
            ReferenceOps.ScatterRowsReference<float>(values, rowSpan, dst.Cols, MemoryMarshal.Cast<byte, float>(Bytes(dst, op, "dst")));
        else
            ReferenceOps.ScatterRowsF16Reference(values, rowSpan, dst.Cols, MemoryMarshal.Cast<byte, Half>(Bytes(dst, op, "dst")));
    }

    public void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
    {
        const string op = "GatherRows";
        var rowSpan = Ints(rows, op, "rows", dst.Rows, 1);
        CheckIndexes(rowSpan, src.Rows, op, "rows");
        ReferenceOps.GatherRowsReference(Floats(src, op, "src", src.Rows, dst.Cols), rowSpan, src.Cols, Floats(dst, op, "dst", rows.Rows, src.Cols));
    }

    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        const string op = "SwiGlu";
        ReferenceOps.SwiGluReference(Floats(gate, op, "gate", dst.Rows, dst.Cols), Floats(up, op, "up", dst.Rows, dst.Cols),
            Floats(dst, op, "dst", gate.Rows, gate.Cols));
    }

    public void GeGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        const string op = "GeGlu";
        ReferenceOps.GeGluReference(Floats(gate, op, "gate", dst.Rows, dst.Cols), Floats(up, op, "up", dst.Rows, dst.Cols),
            Floats(dst, op, "dst", gate.Rows, gate.Cols));
    }

    public void Scale(DeviceTensor x, float scale, DeviceTensor dst)
    {
        const string op = "Scale";
        ReferenceOps.ScaleReference(Floats(x, op, "x", dst.Rows, dst.Cols), scale, Floats(dst, op, "dst", x.Rows, x.Cols));
    }

    public void Softcap(DeviceTensor x, float cap, DeviceTensor dst)
    {
        const string op = "Softcap";
        if (!(cap > 0) || !float.IsFinite(cap))
            throw new ArgumentException($"{op}: cap {cap} must be positive and finite");
        ReferenceOps.SoftcapReference(Floats(x, op, "x", dst.Rows, dst.Cols), cap, Floats(dst, op, "dst", x.Rows, x.Cols));
    }

    public void MoeRoute(DeviceTensor logits, int k, bool renormalize, DeviceTensor ids, DeviceTensor weights)
    {
        const string op = "MoeRoute";
        if (k < 1 || k > logits.Cols)
            throw new ArgumentException($"{op}: k {k} must be in [1, {logits.Cols}]");
        ReferenceOps.MoeRouteReference(Floats(logits, op, "logits", ids.Rows, logits.Cols), logits.Cols, k, renormalize,
            Ints(ids, op, "ids", logits.Rows, k), Floats(weights, op, "weights", logits.Rows, k));
    }

    public void MoeFeedForward(DeviceTensor x, ExpertSet experts, DeviceTensor ids, DeviceTensor weights, DeviceTensor dst)
    {
        const string op = "MoeFeedForward";
        experts.Validate();
        CheckSupported(BackendOp.MoeFeedForward, experts.Gate[0].Type, op);
        CheckSupported(BackendOp.MoeFeedForward, experts.Up[0].Type, op);
        CheckSupported(BackendOp.MoeFeedForward, experts.Down[0].Type, op);
        int k = ids.Cols;
        var idSpan = Ints(ids, op, "ids", x.Rows, k);
        CheckIndexes(idSpan, experts.Count, op, "ids");
        ((DType, byte[]), (DType, byte[]), (DType, byte[])) Expert(int e) =>
            ((experts.Gate[e].Type, Bytes(experts.Gate[e], op, $"gate {e}").ToArray()), (experts.Up[e].Type, Bytes(experts.Up[e], op, $"up {e}").ToArray()),
                (experts.Down[e].Type, Bytes(experts.Down[e], op, $"down {e}").ToArray()));
        float[]? Bias(DeviceTensor? b, int cols, string name) => b is { } t ? Floats(t, op, name, experts.Count, cols).ToArray() : null;
        ReferenceOps.MoeFeedForwardReference(Floats(x, op, "x", dst.Rows, experts.Width), Expert, experts.Width, experts.Hidden, idSpan,
            Floats(weights, op, "weights", x.Rows, k), k, Floats(dst, op, "dst", x.Rows, experts.Width), experts.Activation,
            Bias(experts.GateBias, experts.Hidden, "gate bias"), Bias(experts.UpBias, experts.Hidden, "up bias"), Bias(experts.DownBias, experts.Width, "down bias"));
    }

    public void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst)
    {
        const string op = "Add";
        if (b.Rows != 1 && b.Rows != a.Rows)
            throw new ArgumentException($"{op}: b has {b.Rows} rows; it must have a's {a.Rows} or 1 (broadcast)");
        ReferenceOps.AddReference(Floats(a, op, "a", dst.Rows, dst.Cols), Floats(b, op, "b", b.Rows, a.Cols), Floats(dst, op, "dst", a.Rows, a.Cols));
    }

    public void Softmax(DeviceTensor x) => ReferenceOps.SoftmaxReference(Floats(x, "Softmax", "x", x.Rows, x.Cols), x.Cols);

    public void Copy(DeviceTensor src, DeviceTensor dst)
    {
        const string op = "Copy";
        CheckSupported(BackendOp.Copy, src.Type, op);
        if (src.Type != dst.Type || src.ByteLength != dst.ByteLength)
            throw new ArgumentException($"{op}: a {src.Type.Name()} [{src.Rows}, {src.Cols}] tensor into a {dst.Type.Name()} [{dst.Rows}, {dst.Cols}] one (same dtype and size required)");
        // Through a copy: the two views may overlap (Span.CopyTo handles that too; this keeps the intent plain).
        Bytes(src, op, "src").ToArray().CopyTo(Bytes(dst, op, "dst"));
    }

    public void ArgMax(DeviceTensor x, DeviceTensor dst)
    {
        const string op = "ArgMax";
        ReferenceOps.ArgMaxReference(Floats(x, op, "x", dst.Rows, x.Cols), x.Cols, Ints(dst, op, "dst", x.Rows, 1));
    }

    public void Dispose()
    {
    }
}
