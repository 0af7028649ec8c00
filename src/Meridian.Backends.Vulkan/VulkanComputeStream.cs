// Contract v1's stream on Vulkan: everything queued (host writes as staged copies, ops as dispatches, KV block
// copies) is recorded into one command buffer, with a barrier after each, and submitted once, at SubmitStep or
// when the host reads. At most one submission is in flight; the staging memory of its writes is reused only after
// its fence. Only what the host reads comes back (the logits rows, or the device-side argmax).
using Meridian.Core.Backends;
using Vortice.Vulkan;

namespace Meridian.Backends.Vulkan;

/// <summary>A stream of ops on a <see cref="VulkanDevice"/>.</summary>
internal sealed unsafe partial class VulkanComputeStream : IComputeStream
{
    private readonly VulkanDevice _device;
    private readonly Dictionary<float[], VulkanBuffer> _ropeFactors = new(ReferenceEqualityComparer.Instance);
    private readonly VkCommandBuffer _cmd;
    private readonly VkFence _fence;
    private VulkanBuffer? _staging;   // host -> device bytes of this submission's writes
    private VulkanBuffer? _readback;  // device -> host
    private VulkanBuffer? _partials;  // split attention's per-chunk results
    private long _stagingUsed;
    private bool _recording, _inFlight, _disposed;

    public VulkanComputeStream(VulkanDevice device)
    {
        _device = device;
        (_cmd, _fence) = device.NewCommandBuffer();
    }

    private VkDeviceApi Api => _device.Api;

    /// <inheritdoc />
    public IDevice Device => _device;

    /// <inheritdoc />
    public void BeginStep() => Recording();

    /// <inheritdoc />
    public void SubmitStep() => Submit();

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> source, DeviceTensor dst)
    {
        if (source.Length != dst.ByteLength)
            throw new ArgumentException($"write: {source.Length} bytes into a {dst.ByteLength}-byte tensor");
        var buffer = BufferOf(dst, "write", "dst");
        if (source.IsEmpty)
            return;
        if (_staging is null || _stagingUsed + source.Length > _staging.ByteLength)
        {
            // The staging buffer of the open recording is full: finish it first, then start a larger one.
            Synchronize();
            long size = Math.Max(Math.Max(1L << 20, source.Length), (_staging?.ByteLength ?? 0) * 2);
            _staging?.Dispose();
            _staging = _device.CreateBuffer(size, BufferUsage.Scratch, hostVisible: true);
        }
        Recording();
        source.CopyTo(new Span<byte>(_staging.Mapped + _stagingUsed, source.Length));
        var region = new VkBufferCopy { srcOffset = (ulong)_stagingUsed, dstOffset = (ulong)dst.ByteOffset, size = (ulong)source.Length };
        Api.vkCmdCopyBuffer(_cmd, _staging.Handle, buffer.Handle, 1, &region);
        Barrier();
        _stagingUsed += (source.Length + 15) & ~15;
    }

    /// <inheritdoc />
    public void Read(DeviceTensor src, Span<byte> destination)
    {
        if (destination.Length != src.ByteLength)
            throw new ArgumentException($"read: a {src.ByteLength}-byte tensor into {destination.Length} bytes");
        var buffer = BufferOf(src, "read", "src");
        if (_readback is null || _readback.ByteLength < destination.Length)
        {
            Synchronize();
            _readback?.Dispose();
            _readback = _device.CreateBuffer(Math.Max(1L << 16, destination.Length), BufferUsage.Scratch, hostVisible: true);
        }
        Recording();
        var region = new VkBufferCopy { srcOffset = (ulong)src.ByteOffset, dstOffset = 0, size = (ulong)destination.Length };
        Api.vkCmdCopyBuffer(_cmd, buffer.Handle, _readback.Handle, 1, &region);
        Synchronize();
        new ReadOnlySpan<byte>(_readback.Mapped, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc />
    public void Synchronize()
    {
        Submit();
        WaitInFlight();
    }

    /// <summary>Makes sure a command buffer is being recorded (waiting for the previous submission first).</summary>
    private void Recording()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_recording)
            return;
        WaitInFlight();
        Api.vkResetCommandBuffer(_cmd, 0).Check("vkResetCommandBuffer", _device.Name);
        var begin = new VkCommandBufferBeginInfo { flags = VkCommandBufferUsageFlags.OneTimeSubmit };
        Api.vkBeginCommandBuffer(_cmd, &begin).Check("vkBeginCommandBuffer", _device.Name);
        _recording = true;
    }

    private void Submit()
    {
        if (!_recording)
            return;
        _recording = false;
        Api.vkEndCommandBuffer(_cmd).Check("vkEndCommandBuffer", _device.Name);
        _device.Submit(_cmd, _fence);
        _inFlight = true;
    }

    private void WaitInFlight()
    {
        if (!_inFlight)
            return;
        _inFlight = false;
        _device.Wait(_fence);
        _stagingUsed = 0;
    }

    /// <summary>Everything recorded so far (shader writes, copies) is visible to everything recorded after.</summary>
    private void Barrier()
    {
        var barrier = new VkMemoryBarrier
        {
            srcAccessMask = VkAccessFlags.ShaderWrite | VkAccessFlags.TransferWrite,
            dstAccessMask = VkAccessFlags.ShaderRead | VkAccessFlags.ShaderWrite | VkAccessFlags.TransferRead | VkAccessFlags.TransferWrite,
        };
        var stages = VkPipelineStageFlags.ComputeShader | VkPipelineStageFlags.Transfer;
        Api.vkCmdPipelineBarrier(_cmd, stages, stages, 0, 1, &barrier, 0, null, 0, null);
    }

    /// <summary>Records one dispatch of shader <paramref name="shader"/> with <paramref name="push"/>, then a barrier.</summary>
    private void Dispatch(string shader, in PushConstants push, uint x, uint y = 1, uint z = 1)
    {
        var pipeline = _device.Pipeline(shader);
        Recording();
        Api.vkCmdBindPipeline(_cmd, VkPipelineBindPoint.Compute, pipeline);
        fixed (byte* p = push.Written)
            Api.vkCmdPushConstants(_cmd, _device.Layout, VkShaderStageFlags.Compute, 0, (uint)push.Written.Length, p);
        Api.vkCmdDispatch(_cmd, x, y, z);
        Barrier();
    }

    /// <summary>The tensor's buffer, after checking it is this device's and the view lies inside it.</summary>
    private VulkanBuffer BufferOf(in DeviceTensor t, string op, string operand)
    {
        if (t.Buffer is not VulkanBuffer b || b.Owner != _device)
            throw new ArgumentException($"{op}: {operand} lives on {t.Buffer?.Device.Name ?? "no device"}, not on {_device.Name}");
        if (t.ByteOffset < 0 || t.ByteOffset + t.ByteLength > b.ByteLength)
            throw new ArgumentException($"{op}: {operand} spans bytes {t.ByteOffset}..{t.ByteOffset + t.ByteLength} of a {b.ByteLength}-byte buffer");
        return b;
    }

    /// <summary>The device address of the tensor's first byte.</summary>
    private ulong AddressOf(in DeviceTensor t, string op, string operand) => BufferOf(t, op, operand).Address + (ulong)t.ByteOffset;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
            return;
        try
        {
            if (!_device.Hung) // else what was recorded is dropped: nothing more can run there
            {
                Submit();
                WaitInFlight();
            }
        }
        finally
        {
            _disposed = true;
            foreach (var b in _ropeFactors.Values)
                b.Dispose();
            _staging?.Dispose();
            _readback?.Dispose();
            _partials?.Dispose();
            _device.FreeCommandBuffer(_cmd, _fence);
        }
    }
}
