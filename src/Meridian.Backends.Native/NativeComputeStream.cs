// Contract v1's IComputeStream over a plugin's mb_context. Ops between BeginStep and SubmitStep are recorded
// as mb_op descriptors and handed to step_submit at once; an op outside a step is a step of its own. Writes are
// staged in host memory the stream owns until the context has synchronized past them (the header's rule), and
// flush the recorded ops first, so everything stays in the order it was called.
using System.Runtime.InteropServices;
using Meridian.Backends.Native.Interop;
using Meridian.Core.Backends;

namespace Meridian.Backends.Native;

/// <summary>A stream of ops on a <see cref="NativeDevice"/>.</summary>
internal sealed unsafe partial class NativeComputeStream : IComputeStream
{
    private readonly NativeDevice _device;
    private readonly Dictionary<float[], NativeBuffer> _ropeFactors = new(ReferenceEqualityComparer.Instance);
    private readonly StagingArena _staging = new();
    private nint _context;
    private MbOp* _ops;         // [_capacity] recorded ops of the open step
    private MbOp** _pointers;   // [_capacity] what step_submit takes
    private int _count, _capacity;
    private bool _inStep;
    private BackendFaultException? _fault;

    public NativeComputeStream(NativeDevice device)
    {
        _device = device;
        lock (device.Gate)
        {
            nint context;
            device.Check(device.Plugin.Api->ContextCreate(device.Handle, &context), "context_create");
            _context = context;
        }
    }

    /// <inheritdoc />
    public IDevice Device => _device;

    /// <inheritdoc />
    public void BeginStep()
    {
        ThrowIfFaulted();
        Flush();
        _inStep = true;
    }

    /// <inheritdoc />
    public void SubmitStep()
    {
        ThrowIfFaulted();
        Flush();
        _inStep = false;
    }

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> source, DeviceTensor dst)
    {
        ThrowIfFaulted();
        if (source.Length != dst.ByteLength)
            throw new ArgumentException($"write: {source.Length} bytes into a {dst.ByteLength}-byte tensor");
        var buffer = BufferOf(dst, "write", "dst");
        Flush();
        byte* staged = _staging.Copy(source);
        lock (_device.Gate)
            Call(_device.Plugin.Api->BufferWriteAsync(_context, buffer, (ulong)dst.ByteOffset, staged, (ulong)source.Length), "buffer_write_async");
    }

    /// <inheritdoc />
    public void Read(DeviceTensor src, Span<byte> destination)
    {
        ThrowIfFaulted();
        if (destination.Length != src.ByteLength)
            throw new ArgumentException($"read: a {src.ByteLength}-byte tensor into {destination.Length} bytes");
        var buffer = BufferOf(src, "read", "src");
        Flush();
        fixed (byte* d = destination)
        {
            lock (_device.Gate)
            {
                // The destination is pinned only for this call, so the read is waited for here.
                Call(_device.Plugin.Api->BufferReadAsync(_context, buffer, (ulong)src.ByteOffset, d, (ulong)destination.Length), "buffer_read_async");
                Call(_device.Plugin.Api->ContextSynchronize(_context), "context_synchronize");
            }
        }
        _staging.Reset();
    }

    /// <inheritdoc />
    public void Synchronize()
    {
        ThrowIfFaulted();
        Flush();
        lock (_device.Gate)
            Call(_device.Plugin.Api->ContextSynchronize(_context), "context_synchronize");
        _staging.Reset();
    }

    /// <summary>Adds the descriptor <see cref="Op"/> filled to the step; outside a step it is submitted at once.</summary>
    private void Commit()
    {
        _count++;
        if (!_inStep)
            Flush();
    }

    private void Grow()
    {
        int capacity = Math.Max(64, _capacity * 2);
        _ops = (MbOp*)NativeMemory.Realloc(_ops, (nuint)(capacity * sizeof(MbOp)));
        _pointers = (MbOp**)NativeMemory.Realloc(_pointers, (nuint)(capacity * sizeof(MbOp*)));
        _capacity = capacity;
    }

    /// <summary>Submits the recorded ops, if any, as one step.</summary>
    private void Flush()
    {
        if (_count == 0)
            return;
        for (int i = 0; i < _count; i++)
            _pointers[i] = _ops + i;
        int count = _count;
        _count = 0;
        int status;
        lock (_device.Gate)
            status = _device.Plugin.Api->StepSubmit(_context, _pointers, (uint)count);
        if (status != MbStatus.Ok)
            Call(status, $"a step of {count} op(s) ({DescribeOps(count)})"); // the description is built only on failure
    }

    private string DescribeOps(int count)
    {
        var names = new List<string>();
        for (int i = 0; i < count && names.Count < 4; i++)
        {
            string name = ((BackendOp)_ops[i].Op).Name();
            if (!names.Contains(name))
                names.Add(name);
        }
        return string.Join(", ", names) + (count > names.Count ? ", ..." : "");
    }

    /// <summary>Turns an error status into the stream's fault: thrown now and by every later call.</summary>
    private void Call(int status, string what)
    {
        if (status == MbStatus.Ok)
            return;
        string message = NativePlugin.Text(_device.Plugin.Api->ContextLastError(_context), "(the plugin gave no message)");
        _fault = new BackendFaultException($"{_device.Describe()}: {what} failed with {MbStatus.Name(status)}: {message}");
        throw _fault;
    }

    private void ThrowIfFaulted()
    {
        ObjectDisposedException.ThrowIf(_context == 0, this);
        if (_fault is not null)
            throw new BackendFaultException($"{_fault.Message} (the stream stopped at that error)");
    }

    /// <summary>The tensor's mb_buffer*, after checking it is this device's.</summary>
    private nint BufferOf(in DeviceTensor t, string op, string operand)
    {
        if (t.Buffer is not NativeBuffer b || b.Owner != _device)
            throw new ArgumentException($"{op}: {operand} lives on {t.Buffer?.Device.Name ?? "no device"}, not on {_device.Name}");
        if (t.ByteOffset < 0 || t.ByteOffset + t.ByteLength > b.ByteLength)
            throw new ArgumentException($"{op}: {operand} spans bytes {t.ByteOffset}..{t.ByteOffset + t.ByteLength} of a {b.ByteLength}-byte buffer");
        return b.Handle;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_context == 0)
            return;
        foreach (var buffer in _ropeFactors.Values)
            buffer.Dispose();
        _ropeFactors.Clear();
        lock (_device.Gate)
            _device.Plugin.Api->ContextDestroy(_context);
        _context = 0;
        _staging.Dispose();
        NativeMemory.Free(_ops);
        NativeMemory.Free(_pointers);
        _ops = null;
        _pointers = null;
    }
}
