// One device of a plugin as a contract v1 IDevice: properties and Supports answered by the plugin (cached),
// buffers from buffer_alloc, weights uploaded in pieces through an upload context, streams as mb_contexts.
// The header promises plugins that one device is never called from two threads at once: every call into the
// plugin for this device (its buffers, contexts and events included) holds Gate.
using Meridian.Backends.Native.Interop;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Native;

/// <summary>A device of a backend plugin.</summary>
public sealed unsafe class NativeDevice : IDevice
{
    // Weights go up in pieces of this size, so progress is reported and no single call is huge.
    private const long UploadPiece = 64L << 20;

    private readonly Dictionary<(BackendOp, DType), bool> _supports = [];
    private nint _handle;
    private nint _uploadContext;

    private NativeDevice(NativePlugin plugin, int index, nint handle)
    {
        Plugin = plugin;
        Index = index;
        _handle = handle;
        var props = new MbDeviceProps { StructSize = (nuint)sizeof(MbDeviceProps) };
        Check(plugin.Api->DeviceProps(handle, &props), "device_props");
        Name = props.NameString() is { Length: > 0 } name ? name : $"{plugin.Name}:{index}";
        Kind = props.Kind switch
        {
            0 => DeviceKind.Cpu,
            1 => DeviceKind.Gpu,
            2 => DeviceKind.Accelerator,
            _ => throw new PluginLoadException($"plugin '{plugin.Name}' device {index}: kind {props.Kind} is not an MB_DEVICE_* value"),
        };
        MemoryBytes = (long)Math.Min(props.MemoryBytes, long.MaxValue);
        MaxAllocationBytes = (long)Math.Min(props.MaxAllocationBytes, long.MaxValue);
        Alignment = (long)props.Alignment;
    }

    /// <summary>Opens every device the plugin has; a failure names the plugin, the device and the plugin's status.</summary>
    internal static IReadOnlyList<IDevice> OpenAll(NativePlugin plugin)
    {
        int count;
        var status = plugin.Api->DeviceCount(&count);
        if (status != MbStatus.Ok)
            throw new BackendFaultException($"plugin '{plugin.Name}': device_count failed with {MbStatus.Name(status)}");
        if (count < 0 || count > 1024)
            throw new BackendFaultException($"plugin '{plugin.Name}': device_count gave {count} devices");
        var devices = new List<IDevice>(count);
        for (int i = 0; i < count; i++)
        {
            nint handle;
            status = plugin.Api->DeviceOpen(i, &handle);
            if (status != MbStatus.Ok || handle == 0)
                throw new BackendFaultException($"plugin '{plugin.Name}': device_open({i}) failed with {MbStatus.Name(status)}");
            devices.Add(new NativeDevice(plugin, i, handle));
        }
        return devices;
    }

    /// <summary>The plugin this device belongs to.</summary>
    public NativePlugin Plugin { get; }

    /// <summary>The device's index in the plugin.</summary>
    public int Index { get; }

    /// <summary>Held around every call into the plugin for this device.</summary>
    internal Lock Gate { get; } = new();

    internal nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(Name);

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public DeviceKind Kind { get; }

    /// <inheritdoc />
    public long MemoryBytes { get; }

    /// <inheritdoc />
    public long MaxAllocationBytes { get; }

    /// <summary>The alignment of every buffer's start, as the plugin states it.</summary>
    public long Alignment { get; }

    /// <inheritdoc />
    public bool Supports(BackendOp op, DType type)
    {
        lock (Gate)
        {
            if (_supports.TryGetValue((op, type), out bool known))
                return known;
            if ((int)op >= MbAbi.OpCount)
                return _supports[(op, type)] = false; // an op of a later contract minor: ABI 1.0 has no way to ask
            var desc = OpDescriptors.ForSupports(op, type);
            int supported;
            Check(Plugin.Api->DeviceSupports(Handle, &desc, &supported), $"device_supports({op.Name()}, {type.Name()})");
            return _supports[(op, type)] = supported != 0;
        }
    }

    /// <inheritdoc />
    public IDeviceBuffer Allocate(long bytes, BufferUsage usage)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        if (bytes > MaxAllocationBytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"{bytes} bytes is more than {Name}'s largest allocation ({MaxAllocationBytes} bytes)");
        lock (Gate)
        {
            nint buffer;
            var status = Plugin.Api->BufferAlloc(Handle, (ulong)bytes, (uint)usage, &buffer);
            Check(status, $"buffer_alloc({bytes} bytes, {usage})");
            if (buffer == 0)
                throw new BackendFaultException($"{Describe()}: buffer_alloc returned MB_OK and no buffer");
            return new NativeBuffer(this, buffer, bytes, usage);
        }
    }

    /// <inheritdoc />
    public IDeviceBuffer LoadWeights(WeightData weight, WeightUse use, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        weight.Validate();
        var buffer = (NativeBuffer)Allocate(weight.ByteLength, BufferUsage.Weights);
        try
        {
            lock (Gate)
            {
                if (_uploadContext == 0)
                {
                    nint context;
                    Check(Plugin.Api->ContextCreate(Handle, &context), "context_create");
                    _uploadContext = context;
                }
                // The bytes stay where they are (the memory map lives as long as the model), so the plugin copies
                // straight from them; one synchronize at the end keeps the host's promise of the header.
                for (long done = 0; done < weight.ByteLength;)
                {
                    long piece = Math.Min(UploadPiece, weight.ByteLength - done);
                    CheckContext(_uploadContext, Plugin.Api->BufferWriteAsync(_uploadContext, buffer.Handle, (ulong)done,
                        (byte*)weight.Address + done, (ulong)piece), $"uploading weight '{weight.Name}'");
                    done += piece;
                    progress?.Report(piece);
                }
                CheckContext(_uploadContext, Plugin.Api->ContextSynchronize(_uploadContext), $"uploading weight '{weight.Name}'");
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
    public IComputeStream CreateStream() => new NativeComputeStream(this);

    /// <summary>"reference-c:0 (reference (scalar C))": how messages name this device.</summary>
    public string Describe() => $"{Plugin.Name}:{Index} ({Name})";

    /// <summary>The plugin's message for the last failed device-level call.</summary>
    internal string LastError() => NativePlugin.Text(Plugin.Api->DeviceLastError(Handle), "(the plugin gave no message)");

    /// <summary>Throws a <see cref="BackendFaultException"/> naming the call and the plugin's message unless ok.</summary>
    internal void Check(int status, string call)
    {
        if (status != MbStatus.Ok)
            throw new BackendFaultException($"{Describe()}: {call} failed with {MbStatus.Name(status)}: {LastError()}");
    }

    /// <summary>As <see cref="Check"/> for a context-level call: the message is the context's.</summary>
    internal void CheckContext(nint context, int status, string what)
    {
        if (status != MbStatus.Ok)
            throw new BackendFaultException($"{Describe()}: {what} failed with {MbStatus.Name(status)}: "
                + NativePlugin.Text(Plugin.Api->ContextLastError(context), "(the plugin gave no message)"));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (Gate)
        {
            if (_uploadContext != 0)
                Plugin.Api->ContextDestroy(_uploadContext);
            _uploadContext = 0;
            if (_handle != 0)
                Plugin.Api->DeviceClose(_handle);
            _handle = 0;
        }
    }
}
