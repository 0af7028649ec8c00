// One Vulkan device as a contract v1 IDevice: a logical device with one compute queue, buffers with device
// addresses, weights uploaded through a host-visible staging buffer in pieces, and a compute pipeline per shader
// variant (created on first use from the SPIR-V embedded in this assembly). Every pipeline shares one layout: no
// descriptor sets, 128 bytes of push constants holding the operands' addresses and the shapes.
using System.Collections.Concurrent;
using System.Reflection;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Vortice.Vulkan;
using static Vortice.Vulkan.Vulkan;

namespace Meridian.Backends.Vulkan;

/// <summary>A Vulkan physical device opened for compute.</summary>
public sealed unsafe class VulkanDevice : IDevice, IDeviceFeatures
{
    /// <summary>Push-constant bytes every shader may use (the minimum every Vulkan device guarantees).</summary>
    internal const int PushConstantBytes = 128;

    private const long UploadPiece = 64L << 20;

    private readonly Dictionary<string, VkPipeline> _pipelines = [];
    private readonly Lock _gate = new();
    private VkCommandPool _pool;
    private VkCommandBuffer _oneShot;
    private VkFence _oneShotFence;
    private VulkanBuffer? _upload;
    private bool _disposed;

    internal VulkanDevice(VulkanDeviceInfo info, int index, MatMulKernels? matMul = null)
    {
        Info = info;
        Index = index;
        MatMul = matMul ?? VulkanKernels.ChooseMatMul(info, Environment.GetEnvironmentVariable("MERIDIAN_VULKAN_MATMUL"));
        StepLimit = ChooseStepLimit(info);
        var loader = VulkanLoader.Current;
        float priority = 1f;
        var queueInfo = new VkDeviceQueueCreateInfo { queueFamilyIndex = (uint)info.QueueFamily, queueCount = 1, pQueuePriorities = &priority };
        var f12 = new VkPhysicalDeviceVulkan12Features
        {
            bufferDeviceAddress = true,
            storageBuffer8BitAccess = true,
            shaderInt8 = true,
            shaderFloat16 = info.Float16,
        };
        var f11 = new VkPhysicalDeviceVulkan11Features { pNext = &f12, storageBuffer16BitAccess = true };
        var features = new VkPhysicalDeviceFeatures2 { pNext = &f11 };
        features.features.shaderInt16 = true;
        features.features.shaderInt64 = info.Int64;
        var create = new VkDeviceCreateInfo { pNext = &features, queueCreateInfoCount = 1, pQueueCreateInfos = &queueInfo };
        VkDevice device;
        loader.Api.vkCreateDevice(info.Physical, &create, &device).Check("vkCreateDevice", info.Name);
        Handle = device;
        Api = GetApi(loader.Instance, device);
        VkQueue queue;
        Api.vkGetDeviceQueue((uint)info.QueueFamily, 0, &queue);
        Queue = queue;

        var poolInfo = new VkCommandPoolCreateInfo { flags = VkCommandPoolCreateFlags.ResetCommandBuffer, queueFamilyIndex = (uint)info.QueueFamily };
        VkCommandPool pool;
        Api.vkCreateCommandPool(&poolInfo, &pool).Check("vkCreateCommandPool", Name);
        _pool = pool;
        (_oneShot, _oneShotFence) = NewCommandBuffer();

        var range = new VkPushConstantRange { stageFlags = VkShaderStageFlags.Compute, offset = 0, size = PushConstantBytes };
        var layoutInfo = new VkPipelineLayoutCreateInfo { pushConstantRangeCount = 1, pPushConstantRanges = &range };
        VkPipelineLayout layout;
        Api.vkCreatePipelineLayout(&layoutInfo, &layout).Check("vkCreatePipelineLayout", Name);
        Layout = layout;
    }

    internal VulkanDeviceInfo Info { get; }

    /// <summary>The matmul kernel family this device runs (chosen once, when it opens).</summary>
    internal MatMulKernels MatMul { get; }

    internal int Index { get; }

    internal VkDevice Handle { get; }

    internal VkDeviceApi Api { get; }

    internal VkQueue Queue { get; }

    internal VkPipelineLayout Layout { get; }

    /// <inheritdoc />
    public string Name => Info.Name;

    /// <inheritdoc />
    public DeviceKind Kind => Info.Type == VkPhysicalDeviceType.Cpu ? DeviceKind.Cpu : DeviceKind.Gpu;

    /// <inheritdoc />
    public long MemoryBytes => Info.MemoryBytes;

    /// <inheritdoc />
    public long MaxAllocationBytes => Info.MaxAllocation;

    /// <inheritdoc />
    public string Features => $"{TypeName}, Vulkan {Info.ApiVersionText}, {Info.Features}, matmul kernel {VulkanKernels.Describe(MatMul)}";

    private string TypeName => Info.Type switch
    {
        VkPhysicalDeviceType.DiscreteGpu => "discrete GPU",
        VkPhysicalDeviceType.IntegratedGpu => "integrated GPU",
        VkPhysicalDeviceType.VirtualGpu => "virtual GPU",
        VkPhysicalDeviceType.Cpu => "CPU implementation",
        _ => "other",
    };

    /// <summary>The shader variants compiled into this build (embedded SPIR-V), by name.</summary>
    internal static IReadOnlySet<string> Shaders { get; } = typeof(VulkanDevice).Assembly.GetManifestResourceNames()
        .Where(n => n.EndsWith(".spv", StringComparison.Ordinal)).Select(n => n[..^4]).ToHashSet(StringComparer.Ordinal);

    /// <inheritdoc />
    /// <remarks>Partial rotation and the attention factor of RoPE (contract 1.1: rope.comp's rot_dim and attn_factor).</remarks>
    public bool SupportsVariant(BackendOp op, string variant) => op == BackendOp.Rope && variant == RopeSpec.ExtendedVariant && Supports(op, DType.F32);

    /// <inheritdoc />
    public bool Supports(BackendOp op, DType type) => op switch
    {
        BackendOp.MatMul => Shaders.Contains(VulkanKernels.MatMulShader(MatMul, type, 1)) && Shaders.Contains(VulkanKernels.MatMulShader(MatMul, type, 2)),
        BackendOp.EmbeddingLookup => Shaders.Contains(VulkanKernels.EmbeddingShader(type)),
        BackendOp.PagedAttention => type is DType.F32 or DType.F16 && Shaders.Contains(VulkanKernels.AttentionShader(type, split: false))
            && Shaders.Contains(VulkanKernels.AttentionShader(type, split: true)) && Shaders.Contains("attention_combine"),
        BackendOp.ScatterRows => type is DType.F32 or DType.F16 && Shaders.Contains(VulkanKernels.ScatterShader(type)),
        BackendOp.Copy => DTypes.IsKnownId((uint)type) && !type.Info().IsRemoved, // a byte copy (vkCmdCopyBuffer)
        _ => type == DType.F32 && VulkanKernels.ShaderOf(op) is { } name && Shaders.Contains(name),
    };

    /// <inheritdoc />
    public IDeviceBuffer Allocate(long bytes, BufferUsage usage)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        if (bytes > MaxAllocationBytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"{bytes} bytes is more than {Name}'s largest allocation ({MaxAllocationBytes} bytes)");
        var buffer = CreateBuffer(bytes, usage, hostVisible: false);
        lock (_gate)
            OneShot(cmd => Api.vkCmdFillBuffer(cmd, buffer.Handle, 0, VK_WHOLE_SIZE, 0)); // buffers start zeroed
        return buffer;
    }

    /// <inheritdoc />
    public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(weight);
        weight.Validate();
        if (weight.ByteLength > MaxAllocationBytes)
            throw new ArgumentOutOfRangeException(nameof(weight), $"weight '{weight.Name}' has {weight.ByteLength} bytes, more than {Name}'s largest allocation ({MaxAllocationBytes} bytes)");
        var buffer = CreateBuffer(weight.ByteLength, BufferUsage.Weights, hostVisible: false);
        try
        {
            lock (_gate)
            {
                _upload ??= CreateBuffer(UploadPiece, BufferUsage.Scratch, hostVisible: true);
                for (long done = 0; done < weight.ByteLength;)
                {
                    long piece = Math.Min(UploadPiece, weight.ByteLength - done);
                    weight.CopyTo(done, new Span<byte>(_upload.Mapped, (int)piece));
                    long at = done;
                    OneShot(cmd =>
                    {
                        var region = new VkBufferCopy { srcOffset = 0, dstOffset = (ulong)at, size = (ulong)piece };
                        Api.vkCmdCopyBuffer(cmd, _upload.Handle, buffer.Handle, 1, &region);
                    });
                    done += piece;
                    progress?.Report(piece);
                }
            }
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public IComputeStream CreateStream()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new VulkanComputeStream(this);
    }

    /// <summary>A buffer with a device address: device-local, or host-visible and mapped (staging).</summary>
    internal VulkanBuffer CreateBuffer(long bytes, BufferUsage usage, bool hostVisible)
    {
        var info = new VkBufferCreateInfo
        {
            size = (ulong)bytes,
            usage = VkBufferUsageFlags.StorageBuffer | VkBufferUsageFlags.TransferSrc | VkBufferUsageFlags.TransferDst | VkBufferUsageFlags.ShaderDeviceAddress,
            sharingMode = VkSharingMode.Exclusive,
        };
        VkBuffer buffer;
        Api.vkCreateBuffer(&info, &buffer).Check($"vkCreateBuffer ({bytes} bytes)", Name);
        VkMemoryRequirements needs;
        Api.vkGetBufferMemoryRequirements(buffer, &needs);
        var wanted = hostVisible ? VkMemoryPropertyFlags.HostVisible | VkMemoryPropertyFlags.HostCoherent : VkMemoryPropertyFlags.DeviceLocal;
        int type = MemoryType(needs.memoryTypeBits, wanted);
        if (type < 0)
        {
            Api.vkDestroyBuffer(buffer);
            throw new BackendFaultException($"vulkan {Name}: no memory type is {wanted} for a {usage} buffer");
        }
        var flags = new VkMemoryAllocateFlagsInfo { flags = VkMemoryAllocateFlags.DeviceAddress };
        var alloc = new VkMemoryAllocateInfo { pNext = &flags, allocationSize = needs.size, memoryTypeIndex = (uint)type };
        VkDeviceMemory memory;
        var result = Api.vkAllocateMemory(&alloc, &memory);
        if (result != VkResult.Success)
        {
            Api.vkDestroyBuffer(buffer);
            result.Check($"vkAllocateMemory ({bytes} bytes for {usage}; the device has {MemoryBytes} bytes)", Name);
        }
        Api.vkBindBufferMemory(buffer, memory, 0).Check("vkBindBufferMemory", Name);
        void* mapped = null;
        if (hostVisible)
            Api.vkMapMemory(memory, 0, VK_WHOLE_SIZE, 0, &mapped).Check("vkMapMemory", Name);
        var addressInfo = new VkBufferDeviceAddressInfo { buffer = buffer };
        ulong address = Api.vkGetBufferDeviceAddress(&addressInfo);
        return new VulkanBuffer(this, buffer, memory, bytes, usage, address, mapped);
    }

    internal void Free(VulkanBuffer buffer)
    {
        if (_disposed || Hung)
            return;
        Api.vkDestroyBuffer(buffer.Handle);
        Api.vkFreeMemory(buffer.Memory);
    }

    private int MemoryType(uint bits, VkMemoryPropertyFlags wanted)
    {
        var memory = Info.Memory;
        for (int i = 0; i < memory.memoryTypeCount; i++)
        {
            if ((bits & (1u << i)) != 0 && (memory.memoryTypes[i].propertyFlags & wanted) == wanted)
                return i;
        }
        return -1;
    }

    /// <summary>A primary command buffer from the device's pool and a fence for it.</summary>
    internal (VkCommandBuffer, VkFence) NewCommandBuffer()
    {
        var allocInfo = new VkCommandBufferAllocateInfo { commandPool = _pool, level = VkCommandBufferLevel.Primary, commandBufferCount = 1 };
        VkCommandBuffer cmd;
        lock (_gate)
            Api.vkAllocateCommandBuffers(&allocInfo, &cmd).Check("vkAllocateCommandBuffers", Name);
        var fenceInfo = new VkFenceCreateInfo();
        VkFence fence;
        Api.vkCreateFence(&fenceInfo, &fence).Check("vkCreateFence", Name);
        return (cmd, fence);
    }

    internal void FreeCommandBuffer(VkCommandBuffer cmd, VkFence fence)
    {
        if (_disposed || Hung)
            return;
        lock (_gate)
            Api.vkFreeCommandBuffers(_pool, 1, &cmd);
        Api.vkDestroyFence(fence);
    }

    /// <summary>Records <paramref name="record"/> into the device's own command buffer, submits it and waits. Caller holds _gate.</summary>
    private void OneShot(Action<VkCommandBuffer> record)
    {
        Api.vkResetCommandBuffer(_oneShot, 0).Check("vkResetCommandBuffer", Name);
        var begin = new VkCommandBufferBeginInfo { flags = VkCommandBufferUsageFlags.OneTimeSubmit };
        Api.vkBeginCommandBuffer(_oneShot, &begin).Check("vkBeginCommandBuffer", Name);
        record(_oneShot);
        Api.vkEndCommandBuffer(_oneShot).Check("vkEndCommandBuffer", Name);
        Submit(_oneShot, _oneShotFence);
        Wait(_oneShotFence);
    }

    /// <summary>Submits a recorded command buffer to the queue, signalling <paramref name="fence"/>.</summary>
    internal void Submit(VkCommandBuffer cmd, VkFence fence)
    {
        ThrowIfHung();
        var submit = new VkSubmitInfo { commandBufferCount = 1, pCommandBuffers = &cmd };
        lock (_gate)
            Api.vkQueueSubmit(Queue, 1, &submit, fence).Check("vkQueueSubmit", Name);
    }

    /// <summary>
    /// Waits for <paramref name="fence"/> (<see cref="StepLimit"/> at most: a hung device is an error, not a hang) and
    /// resets it. After a time-out the device still owns the work it was given, so from then on it is
    /// <see cref="Hung"/>: every later submit or wait fails, and its memory, command buffers and the device itself
    /// are left allocated when disposed (freeing what a running command buffer uses would crash the process).
    /// </summary>
    internal void Wait(VkFence fence)
    {
        ThrowIfHung();
        var result = Api.vkWaitForFences(1, &fence, true, (ulong)StepLimit.TotalNanoseconds);
        if (result == VkResult.Timeout)
        {
            Hung = true;
            throw new BackendFaultException(
                $"vulkan {Name}: a submitted step did not finish within {StepLimit.TotalSeconds:0} s (the device hangs, or the step is too big for it: " +
                "MERIDIAN_VULKAN_STEP_LIMIT_S raises the limit); the device is unusable until the process restarts");
        }
        result.Check("vkWaitForFences", Name);
        Api.vkResetFences(1, &fence).Check("vkResetFences", Name);
    }

    /// <summary>
    /// The longest a submitted step may run: 60 s on a GPU, 10 minutes on a CPU implementation (lavapipe runs a
    /// 1B model's 64-token prefill for about a minute), or MERIDIAN_VULKAN_STEP_LIMIT_S seconds. Tests shorten it.
    /// </summary>
    internal TimeSpan StepLimit { get; set; }

    /// <summary>A step outlived <see cref="StepLimit"/>: the device may still be running it.</summary>
    internal bool Hung { get; private set; }

    private void ThrowIfHung()
    {
        if (Hung)
            throw new BackendFaultException($"vulkan {Name}: the device did not finish an earlier step within {StepLimit.TotalSeconds:0} s and is unusable until the process restarts");
    }

    private static TimeSpan ChooseStepLimit(VulkanDeviceInfo info)
    {
        string? text = Environment.GetEnvironmentVariable("MERIDIAN_VULKAN_STEP_LIMIT_S");
        if (!string.IsNullOrEmpty(text))
        {
            if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
                || !(seconds is > 0 and <= 86_400))
                throw new ArgumentException($"MERIDIAN_VULKAN_STEP_LIMIT_S={text} is not a number of seconds in (0, 86400]");
            return TimeSpan.FromSeconds(seconds);
        }
        return info.Type == VkPhysicalDeviceType.Cpu ? TimeSpan.FromMinutes(10) : TimeSpan.FromSeconds(60);
    }

    /// <summary>The compute pipeline of shader variant <paramref name="name"/>, created on first use.</summary>
    internal VkPipeline Pipeline(string name)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_pipelines.TryGetValue(name, out var pipeline))
                return pipeline;
            using var stream = typeof(VulkanDevice).Assembly.GetManifestResourceStream(name + ".spv")
                ?? throw new BackendFaultException($"vulkan: this build has no shader '{name}'");
            var code = new byte[stream.Length];
            stream.ReadExactly(code);
            VkShaderModule module;
            fixed (byte* p = code)
            {
                var moduleInfo = new VkShaderModuleCreateInfo { codeSize = (nuint)code.Length, pCode = (uint*)p };
                Api.vkCreateShaderModule(&moduleInfo, &module).Check($"vkCreateShaderModule({name})", Name);
            }
            var entry = "main"u8;
            fixed (byte* main = entry)
            {
                var stage = new VkPipelineShaderStageCreateInfo { stage = VkShaderStageFlags.Compute, module = module, pName = main };
                var info = new VkComputePipelineCreateInfo { stage = stage, layout = Layout };
                Api.vkCreateComputePipelines(VkPipelineCache.Null, 1, &info, &pipeline).Check($"vkCreateComputePipelines({name})", Name);
            }
            Api.vkDestroyShaderModule(module);
            _pipelines[name] = pipeline;
            return pipeline;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
            return;
        if (Hung)
        {
            _disposed = true; // left allocated: the device may still be running a step that uses all of it
            return;
        }
        Api.vkDeviceWaitIdle();
        _upload?.Dispose();
        foreach (var p in _pipelines.Values)
            Api.vkDestroyPipeline(p);
        Api.vkDestroyPipelineLayout(Layout);
        Api.vkDestroyFence(_oneShotFence);
        Api.vkDestroyCommandPool(_pool);
        _disposed = true;
        Api.vkDestroyDevice();
    }
}
