// The ops of contract v1 as dispatches: shapes checked here (the shaders trust them), operands passed as device
// addresses in the push constants in the order each shader declares (Shaders/*.comp).
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Vortice.Vulkan;

namespace Meridian.Backends.Vulkan;

internal sealed unsafe partial class VulkanComputeStream
{
    /// <inheritdoc />
    public void EmbeddingLookup(DeviceTensor table, DeviceTensor ids, DeviceTensor dst)
    {
        Require(ids.Type == DType.I32 && ids.Cols == 1 && dst.Type == DType.F32 && dst.Rows == ids.Rows && dst.Cols == table.Cols,
            $"embedding_lookup: table [{table.Rows}, {table.Cols}] {table.Type.Name()}, ids [{ids.Rows}, {ids.Cols}] {ids.Type.Name()}, dst [{dst.Rows}, {dst.Cols}] {dst.Type.Name()}");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(table, "embedding_lookup", "table"));
        pc.Address(AddressOf(ids, "embedding_lookup", "ids"));
        pc.Address(AddressOf(dst, "embedding_lookup", "dst"));
        pc.U32(ids.Rows);
        pc.U32(table.Cols);
        Dispatch(VulkanKernels.EmbeddingShader(table.Type), pc, VulkanKernels.GridGroups((long)ids.Rows * table.Cols));
    }

    /// <inheritdoc />
    public void MatMul(DeviceTensor w, DeviceTensor x, DeviceTensor y)
    {
        Require(x.Type == DType.F32 && y.Type == DType.F32 && x.Cols == w.Cols && y.Rows == x.Rows && y.Cols == w.Rows,
            $"matmul: w [{w.Rows}, {w.Cols}] {w.Type.Name()}, x [{x.Rows}, {x.Cols}], y [{y.Rows}, {y.Cols}]");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(w, "matmul", "w"));
        pc.Address(AddressOf(x, "matmul", "x"));
        pc.Address(AddressOf(y, "matmul", "y"));
        pc.U32(w.Rows);
        pc.U32(w.Cols);
        pc.U32(x.Rows);
        // The device's kernel family (VulkanKernels.ChooseMatMul): a row per invocation in groups of 64 rows on a CPU
        // implementation, else a work group per row for one token and per 4-row tile for batches; all sum in one
        // fixed order. Past the device's groups per dimension (65,535 on lavapipe, fewer than a 152k vocabulary's
        // rows) the groups spread over a 2-D grid (the shaders number them y * groups.x + x).
        var kernels = _device.MatMul;
        int rowsPerGroup = VulkanKernels.MatMulRowsPerGroup(kernels, x.Rows);
        long groups = (w.Rows + rowsPerGroup - 1) / rowsPerGroup;
        uint across = (uint)Math.Min(groups, Math.Min(_device.Info.MaxComputeWorkGroupCount, 65535u));
        Dispatch(VulkanKernels.MatMulShader(kernels, w.Type, x.Rows), pc, across, (uint)((groups + across - 1) / across));
    }

    /// <inheritdoc />
    public void RmsNorm(DeviceTensor x, DeviceTensor weight, float eps, DeviceTensor dst)
    {
        Require(x.Type == DType.F32 && weight.Type == DType.F32 && dst.Type == DType.F32 && weight.Cols == x.Cols && weight.Rows == 1
            && dst.Rows == x.Rows && dst.Cols == x.Cols, $"rms_norm: x [{x.Rows}, {x.Cols}], weight [{weight.Rows}, {weight.Cols}], dst [{dst.Rows}, {dst.Cols}]");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(x, "rms_norm", "x"));
        pc.Address(AddressOf(weight, "rms_norm", "weight"));
        pc.Address(AddressOf(dst, "rms_norm", "dst"));
        pc.U32(x.Rows);
        pc.U32(x.Cols);
        pc.F32(eps);
        Dispatch("rms_norm", pc, (uint)x.Rows);
    }

    /// <inheritdoc />
    public void Rope(DeviceTensor x, DeviceTensor positions, RopeSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Require(x.Type == DType.F32 && positions.Type == DType.I32 && positions.Rows == x.Rows && spec.HeadDim > 0 && spec.HeadDim % 2 == 0
            && x.Cols % spec.HeadDim == 0 && spec.RotaryDims > 0 && spec.RotaryDims % 2 == 0 && spec.RotaryDims <= spec.HeadDim,
            $"rope: x [{x.Rows}, {x.Cols}], positions [{positions.Rows}, {positions.Cols}], head dim {spec.HeadDim}, rotary width {spec.RotaryDims}");
        ulong factors = 0;
        if (spec.FreqFactors is { } f)
        {
            Require(f.Length == spec.RotaryDims / 2, $"rope: {f.Length} frequency factors for rotary width {spec.RotaryDims}");
            factors = FactorsBuffer(f).Address;
        }
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(x, "rope", "x"));
        pc.Address(AddressOf(positions, "rope", "positions"));
        pc.Address(factors);
        pc.U32(x.Rows);
        pc.U32(x.Cols / spec.HeadDim);
        pc.U32(spec.HeadDim);
        pc.U32(spec.Layout == RopeLayout.RotateHalf ? 1 : 0);
        pc.U32(spec.FreqFactors is null ? 0 : 1);
        pc.F32(spec.Theta);
        pc.U32(spec.RotaryDims);
        pc.F32(spec.AttnFactor);
        Dispatch("rope", pc, VulkanKernels.GridGroups((long)x.Rows * (x.Cols / spec.HeadDim) * spec.RotaryDims / 2));
    }

    /// <inheritdoc />
    public void ScatterRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
    {
        Require(src.Type == DType.F32 && rows.Type == DType.I32 && rows.Rows == src.Rows && dst.Cols == src.Cols && dst.Type is DType.F32 or DType.F16,
            $"scatter_rows: src [{src.Rows}, {src.Cols}], rows [{rows.Rows}, {rows.Cols}], dst [{dst.Rows}, {dst.Cols}] {dst.Type.Name()}");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(src, "scatter_rows", "src"));
        pc.Address(AddressOf(rows, "scatter_rows", "rows"));
        pc.Address(AddressOf(dst, "scatter_rows", "dst"));
        pc.U32(src.Rows);
        pc.U32(src.Cols);
        Dispatch(VulkanKernels.ScatterShader(dst.Type), pc, VulkanKernels.GridGroups((long)src.Rows * src.Cols));
    }

    /// <inheritdoc />
    public void GatherRows(DeviceTensor src, DeviceTensor rows, DeviceTensor dst)
    {
        Require(src.Type == DType.F32 && rows.Type == DType.I32 && dst.Type == DType.F32 && dst.Rows == rows.Rows && dst.Cols == src.Cols,
            $"gather_rows: src [{src.Rows}, {src.Cols}], rows [{rows.Rows}, {rows.Cols}], dst [{dst.Rows}, {dst.Cols}]");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(src, "gather_rows", "src"));
        pc.Address(AddressOf(rows, "gather_rows", "rows"));
        pc.Address(AddressOf(dst, "gather_rows", "dst"));
        pc.U32(rows.Rows);
        pc.U32(src.Cols);
        Dispatch("gather_rows", pc, VulkanKernels.GridGroups((long)rows.Rows * src.Cols));
    }

    /// <inheritdoc />
    public void PagedAttention(DeviceTensor q, DeviceTensor keyCache, DeviceTensor valueCache, in PagedAttentionBatch batch,
        in AttentionParams p, DeviceTensor dst)
    {
        p.Validate();
        if (p.Sinks is not null)
            throw new UnsupportedOpException("paged attention with sinks has no Vulkan shader in this build; the device reports the variant unsupported");
        Require(q.Type == DType.F32 && dst.Type == DType.F32 && q.Cols == p.NumHeads * p.HeadDim && dst.Rows == q.Rows && dst.Cols == q.Cols
            && keyCache.Cols == p.NumKvHeads * p.HeadDim && valueCache.Cols == keyCache.Cols && keyCache.Type == valueCache.Type
            && batch.Sequences.Type == DType.I32 && batch.Sequences.Cols == 4 && batch.BlockTables.Type == DType.I32 && batch.BlockSize > 0,
            $"paged_attention: q [{q.Rows}, {q.Cols}], caches [{keyCache.Rows}, {keyCache.Cols}] {keyCache.Type.Name()}, {p.NumHeads} heads of {p.HeadDim} over {p.NumKvHeads}");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(q, "paged_attention", "q"));
        pc.Address(AddressOf(keyCache, "paged_attention", "key cache"));
        pc.Address(AddressOf(valueCache, "paged_attention", "value cache"));
        pc.Address(AddressOf(batch.Sequences, "paged_attention", "sequences"));
        pc.Address(AddressOf(batch.BlockTables, "paged_attention", "block tables"));
        pc.Address(AddressOf(dst, "paged_attention", "dst"));
        pc.U32(batch.Sequences.Rows);
        pc.U32(p.NumHeads);
        pc.U32(p.NumKvHeads);
        pc.U32(p.HeadDim);
        pc.U32(batch.BlockSize);
        pc.U32(p.SlidingWindow);
        pc.F32(p.Scale);
        pc.F32(p.Softcap);
        if (q.Rows == 0)
            return;
        // Long contexts: a workgroup per (row, head, chunk of AttentionChunk keys), then a merge (flash-decoding), so
        // a single sequence's decode keeps the device busy. Only when some sequence has more keys than one chunk; a
        // row within one chunk gives the same bits either way (paged_attention.comp), so the choice never changes a result.
        int splits = (int)(((long)Math.Max(0, batch.MaxContextLength) + VulkanKernels.AttentionChunk - 1) / VulkanKernels.AttentionChunk);
        if (splits <= 1)
        {
            Dispatch(VulkanKernels.AttentionShader(keyCache.Type, split: false), pc, (uint)q.Rows, (uint)p.NumHeads);
            return;
        }
        var partials = Partials((long)q.Rows * p.NumHeads * splits * (p.HeadDim + 2) * sizeof(float));
        pc.Address(partials.Address);
        pc.U32(splits);
        Dispatch(VulkanKernels.AttentionShader(keyCache.Type, split: true), pc, (uint)q.Rows, (uint)p.NumHeads, (uint)splits);
        var merge = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        merge.Address(AddressOf(batch.Sequences, "paged_attention", "sequences"));
        merge.Address(partials.Address);
        merge.Address(AddressOf(dst, "paged_attention", "dst"));
        merge.U32(batch.Sequences.Rows);
        merge.U32(p.NumHeads);
        merge.U32(p.HeadDim);
        merge.U32(p.SlidingWindow);
        merge.U32(splits);
        Dispatch("attention_combine", merge, (uint)q.Rows, (uint)p.NumHeads);
    }

    // The split-attention partials buffer, grown (after finishing what is recorded, which may still use the old one)
    // when a step needs more.
    private VulkanBuffer Partials(long bytes)
    {
        if (_partials is null || _partials.ByteLength < bytes)
        {
            Synchronize();
            _partials?.Dispose();
            _partials = (VulkanBuffer)_device.Allocate(Math.Max(bytes, 1L << 20), BufferUsage.Scratch);
        }
        return _partials;
    }

    /// <inheritdoc />
    public void SwiGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        Require(gate.Type == DType.F32 && up.Type == DType.F32 && dst.Type == DType.F32 && gate.ByteLength == up.ByteLength && dst.ByteLength == gate.ByteLength,
            $"swiglu: gate [{gate.Rows}, {gate.Cols}], up [{up.Rows}, {up.Cols}], dst [{dst.Rows}, {dst.Cols}]");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(gate, "swiglu", "gate"));
        pc.Address(AddressOf(up, "swiglu", "up"));
        pc.Address(AddressOf(dst, "swiglu", "dst"));
        long n = (long)gate.Rows * gate.Cols;
        pc.U32(n);
        Dispatch("swiglu", pc, VulkanKernels.GridGroups(n));
    }

    /// <inheritdoc />
    public void GeGlu(DeviceTensor gate, DeviceTensor up, DeviceTensor dst)
    {
        Require(gate.Type == DType.F32 && up.Type == DType.F32 && dst.Type == DType.F32 && gate.ByteLength == up.ByteLength && dst.ByteLength == gate.ByteLength,
            $"geglu: gate [{gate.Rows}, {gate.Cols}], up [{up.Rows}, {up.Cols}], dst [{dst.Rows}, {dst.Cols}]");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(gate, "geglu", "gate"));
        pc.Address(AddressOf(up, "geglu", "up"));
        pc.Address(AddressOf(dst, "geglu", "dst"));
        long n = (long)gate.Rows * gate.Cols;
        pc.U32(n);
        Dispatch("geglu", pc, VulkanKernels.GridGroups(n));
    }

    /// <inheritdoc />
    public void Scale(DeviceTensor x, float scale, DeviceTensor dst) => ScaleLike("scale", x, scale, dst);

    /// <inheritdoc />
    public void Softcap(DeviceTensor x, float cap, DeviceTensor dst)
    {
        Require(cap > 0 && float.IsFinite(cap), $"softcap: cap {cap} must be positive and finite");
        ScaleLike("softcap", x, cap, dst);
    }

    // scale.comp's two variants: x and dst f32 of one size, one float parameter.
    private void ScaleLike(string shader, DeviceTensor x, float s, DeviceTensor dst)
    {
        Require(x.Type == DType.F32 && dst.Type == DType.F32 && x.ByteLength == dst.ByteLength,
            $"{shader}: x [{x.Rows}, {x.Cols}] {x.Type.Name()}, dst [{dst.Rows}, {dst.Cols}] {dst.Type.Name()}");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(x, shader, "x"));
        pc.Address(AddressOf(dst, shader, "dst"));
        long n = (long)x.Rows * x.Cols;
        pc.U32(n);
        pc.F32(s);
        Dispatch(shader, pc, VulkanKernels.GridGroups(n));
    }

    /// <inheritdoc />
    public void MoeRoute(DeviceTensor logits, int k, bool renormalize, DeviceTensor ids, DeviceTensor weights) => throw NoShader(BackendOp.MoeRoute);

    /// <inheritdoc />
    public void MoeFeedForward(DeviceTensor x, ExpertSet experts, DeviceTensor ids, DeviceTensor weights, DeviceTensor dst) => throw NoShader(BackendOp.MoeFeedForward);

    // Ops this backend has no shaders for yet: Supports answers false, so a model runs them elsewhere or is refused.
    private static UnsupportedOpException NoShader(BackendOp op) =>
        new($"{op.Name()} has no Vulkan shader in this build; the device reports it unsupported");

    /// <inheritdoc />
    public void Add(DeviceTensor a, DeviceTensor b, DeviceTensor dst)
    {
        Require(a.Type == DType.F32 && b.Type == DType.F32 && dst.Type == DType.F32 && b.Cols == a.Cols && (b.Rows == a.Rows || b.Rows == 1)
            && dst.Rows == a.Rows && dst.Cols == a.Cols, $"add: a [{a.Rows}, {a.Cols}], b [{b.Rows}, {b.Cols}], dst [{dst.Rows}, {dst.Cols}]");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(a, "add", "a"));
        pc.Address(AddressOf(b, "add", "b"));
        pc.Address(AddressOf(dst, "add", "dst"));
        pc.U32(a.Rows);
        pc.U32(a.Cols);
        pc.U32(b.Rows);
        Dispatch("add", pc, VulkanKernels.GridGroups((long)a.Rows * a.Cols));
    }

    /// <inheritdoc />
    public void Softmax(DeviceTensor x)
    {
        Require(x.Type == DType.F32, $"softmax: x is {x.Type.Name()}, not f32");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(x, "softmax", "x"));
        pc.U32(x.Rows);
        pc.U32(x.Cols);
        Dispatch("softmax", pc, (uint)x.Rows);
    }

    /// <inheritdoc />
    public void Copy(DeviceTensor src, DeviceTensor dst)
    {
        Require(src.Type == dst.Type && src.ByteLength == dst.ByteLength, $"copy: {src.Type.Name()} [{src.Rows}, {src.Cols}] into {dst.Type.Name()} [{dst.Rows}, {dst.Cols}]");
        var from = BufferOf(src, "copy", "src");
        var to = BufferOf(dst, "copy", "dst");
        if (src.ByteLength == 0)
            return;
        Recording();
        var region = new VkBufferCopy { srcOffset = (ulong)src.ByteOffset, dstOffset = (ulong)dst.ByteOffset, size = (ulong)src.ByteLength };
        Api.vkCmdCopyBuffer(_cmd, from.Handle, to.Handle, 1, &region);
        Barrier();
    }

    /// <inheritdoc />
    public void ArgMax(DeviceTensor x, DeviceTensor dst)
    {
        Require(x.Type == DType.F32 && dst.Type == DType.I32 && dst.Rows == x.Rows && dst.Cols == 1,
            $"argmax: x [{x.Rows}, {x.Cols}] {x.Type.Name()}, dst [{dst.Rows}, {dst.Cols}] {dst.Type.Name()}");
        var pc = new PushConstants(stackalloc byte[VulkanDevice.PushConstantBytes]);
        pc.Address(AddressOf(x, "argmax", "x"));
        pc.Address(AddressOf(dst, "argmax", "dst"));
        pc.U32(x.Rows);
        pc.U32(x.Cols);
        Dispatch("argmax", pc, (uint)x.Rows);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
            throw new ArgumentException(message);
    }

    // The frequency divisors as a device buffer, uploaded once per array.
    private VulkanBuffer FactorsBuffer(float[] factors)
    {
        if (!_ropeFactors.TryGetValue(factors, out var buffer))
        {
            buffer = (VulkanBuffer)_device.Allocate((long)factors.Length * sizeof(float), BufferUsage.Scratch);
            _ropeFactors[factors] = buffer;
            Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(factors.AsSpan()), DeviceTensor.F32(buffer, 1, factors.Length));
        }
        return buffer;
    }
}
