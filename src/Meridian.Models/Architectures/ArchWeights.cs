// The weights of an architecture by name: its tensor list (GGUF names, shapes, uses) checked against a file's
// headers (Plan: no weight bytes are read, so the loader can check the device first), then put on the device
// (Load). The same list drives the Hugging Face converter, so loader and converter cannot disagree on a name.
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Models.Weights;

namespace Meridian.Models.Architectures;

/// <summary>How a stored weight is used: a matrix, a lookup table (perhaps also the output matrix), or a vector decoded to f32 at load.</summary>
public enum WeightRole
{
    Matrix,
    Table,
    Vector,
}

/// <summary>
/// One tensor an architecture reads: its GGUF name, its shape [rows, cols] (vectors [1, width]), its use, whether
/// it may be absent, and what a Hugging Face checkpoint stores instead: <paramref name="HfOffset"/> is added to a
/// vector read from one (Gemma keeps its norms as w with the model computing 1 + w; GGUF stores 1 + w).
/// </summary>
public sealed record ArchTensor(string Name, int Rows, int Cols, WeightRole Role, bool Optional = false, float HfOffset = 0);

/// <summary>One weight the model reads: its GGUF-style <paramref name="Key"/>, the stored tensor (named as the file names it), its use and the offset added at load.</summary>
public sealed record PlannedWeight(string Key, WeightData Weight, WeightRole Role, float Offset = 0);

/// <summary>Loaded weights by GGUF name; disposes the buffers the device owns.</summary>
public sealed class ArchWeights : IDisposable
{
    private readonly Dictionary<string, DeviceTensor> _byName;

    private ArchWeights(Dictionary<string, DeviceTensor> byName) => _byName = byName;

    /// <summary>The weight called <paramref name="name"/> (the plan made sure it is there).</summary>
    public DeviceTensor this[string name] => _byName[name];

    /// <summary>The weight called <paramref name="name"/>, or null when the file has none (an optional tensor).</summary>
    public DeviceTensor? Opt(string name) => _byName.TryGetValue(name, out var t) ? t : null;

    /// <summary>
    /// Every tensor of <paramref name="tensors"/> from the file's headers, checked for presence and shape; optional ones
    /// the file lacks are left out. <paramref name="hf"/>: the source is a Hugging Face checkpoint (offsets apply).
    /// </summary>
    public static IReadOnlyList<PlannedWeight> Plan(WeightSource source, IEnumerable<ArchTensor> tensors, bool hf)
    {
        var plan = new List<PlannedWeight>();
        foreach (var t in tensors)
        {
            if (t.Optional && source.TryGet(t.Name) is null)
                continue;
            plan.Add(new PlannedWeight(t.Name, source.Get(t.Name, t.Rows, t.Cols), t.Role, hf ? t.HfOffset : 0));
        }
        return plan;
    }

    /// <summary>Loads <paramref name="plan"/> onto <paramref name="device"/>, reporting bytes done to <paramref name="progress"/>.</summary>
    public static ArchWeights Load(IReadOnlyList<PlannedWeight> plan, IDevice device, IProgress<long>? progress = null)
    {
        long done = 0;
        var byName = new Dictionary<string, DeviceTensor>(StringComparer.Ordinal);
        var weights = new ArchWeights(byName);
        try
        {
            foreach (var (key, w, role, offset) in plan)
            {
                byName[key] = role == WeightRole.Vector ? Vector(device, w, offset) : Matrix(device, w, role);
                done += w.ByteLength;
                progress?.Report(done);
            }
        }
        catch
        {
            weights.Dispose();
            throw;
        }
        return weights;
    }

    /// <summary>
    /// The (op, dtype) pairs the weights need: a matmul per matrix type, the lookup on each table's type, and a matmul
    /// on the table's type when no <paramref name="outputName"/> is planned (tied embeddings).
    /// </summary>
    public static void AddRequirements(IReadOnlyList<PlannedWeight> plan, string outputName, List<OpRequirement> list)
    {
        bool tied = !plan.Any(p => p.Key == outputName);
        foreach (var (_, w, role, _) in plan)
        {
            if (role == WeightRole.Table)
                Need(list, BackendOp.EmbeddingLookup, w.Type, w.Name);
            if (role == WeightRole.Matrix || (role == WeightRole.Table && tied))
                Need(list, BackendOp.MatMul, w.Type, w.Name);
        }
    }

    /// <summary>
    /// What every decoder's forward pass needs (<see cref="DecoderBlocks"/>): the weights' products and lookups, the norms,
    /// RoPE (its 1.1 variant when <paramref name="extendedRope"/>), the KV cache ops and paged attention (with sinks when
    /// <paramref name="sinks"/>), adds and the logit rows, and the expert ops when the plan has experts. An architecture
    /// adds its activation and anything of its own.
    /// </summary>
    public static List<OpRequirement> DecoderRequirements(IReadOnlyList<PlannedWeight> plan, DType kvType, bool extendedRope, bool sinks = false)
    {
        var list = new List<OpRequirement>();
        AddRequirements(plan, "output.weight", list);
        Need(list, BackendOp.RmsNorm, DType.F32, "norms");
        if (extendedRope)
            list.Add(new OpRequirement(BackendOp.Rope, DType.F32, "partial or scaled rotary embedding", RopeSpec.ExtendedVariant));
        else
            Need(list, BackendOp.Rope, DType.F32, "rotary embedding");
        Need(list, BackendOp.ScatterRows, kvType, "KV cache");
        if (sinks)
            list.Add(new OpRequirement(BackendOp.PagedAttention, kvType, "attention with sinks", AttentionParams.SinksVariant));
        else
            Need(list, BackendOp.PagedAttention, kvType, "KV cache");
        Need(list, BackendOp.Copy, kvType, "KV cache (copy-on-write of shared blocks)");
        Need(list, BackendOp.Add, DType.F32, "residuals and biases");
        Need(list, BackendOp.GatherRows, DType.F32, "logit rows");
        foreach (var (key, w, role, _) in plan)
        {
            if (role == WeightRole.Matrix && key.Contains("_exps.", StringComparison.Ordinal))
                Need(list, BackendOp.MoeFeedForward, w.Type, "experts");
            else if (key.EndsWith(".ffn_gate_inp.weight", StringComparison.Ordinal))
                Need(list, BackendOp.MoeRoute, DType.F32, "expert routing");
        }
        return list;
    }

    /// <summary>Adds (op, type) to <paramref name="list"/> unless it is there.</summary>
    public static void Need(List<OpRequirement> list, BackendOp op, DType type, string use)
    {
        if (!list.Any(r => r.Op == op && r.Type == type))
            list.Add(new OpRequirement(op, type, use));
    }

    /// <summary>A matrix only ever multiplied may be kept in the device's own layout; a lookup table may not.</summary>
    internal static DeviceTensor Matrix(IDevice device, WeightData w, WeightRole role)
    {
        var buffer = device.LoadWeights(w, role == WeightRole.Matrix ? WeightUse.MatMulOnly : WeightUse.Any);
        return new DeviceTensor(buffer, 0, w.Type, w.Rows, w.Cols);
    }

    /// <summary>Norm weights and biases are small; GGUF stores them f32, HF may store f16/bf16, so decode once (adding <paramref name="offset"/>).</summary>
    internal static DeviceTensor Vector(IDevice device, WeightData w, float offset)
    {
        int n = w.Rows * w.Cols;
        var values = new float[n];
        Core.Quant.QuantCodecs.DequantizeReference(w.Type, w.Span, values);
        if (offset != 0)
        {
            for (int i = 0; i < n; i++)
                values[i] += offset;
        }
        var buffer = device.Allocate(n * sizeof(float), BufferUsage.Weights);
        var t = DeviceTensor.F32(buffer, 1, n);
        using var stream = device.CreateStream();
        stream.Upload(values, t);
        stream.Synchronize();
        return t;
    }

    /// <summary>Frees every buffer the device owns (packed matrices, decoded vectors); views of the memory map free nothing.</summary>
    public void Dispose()
    {
        foreach (var b in new HashSet<IDeviceBuffer>(_byName.Values.Select(t => t.Buffer), ReferenceEqualityComparer.Instance))
            b.Dispose();
        _byName.Clear();
    }
}
