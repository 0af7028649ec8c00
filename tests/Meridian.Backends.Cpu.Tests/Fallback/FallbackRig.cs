// Three CPU devices for the FallbackDevice tests: a plain one (the oracle: the same kernels, run directly) and a
// FallbackDevice over a RestrictedDevice primary with a CPU fallback, all with the same thread count, so a
// routed op must give the plain device's bits. Plus the tensor helpers the scenarios use on either device.
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests.Fallback;

internal sealed class FallbackRig : IDisposable
{
    private const int Threads = 2;
    private readonly List<byte[]> _pinned = [];

    public FallbackRig(params (BackendOp Op, DType Type)[] routed)
    {
        Primary = new RestrictedDevice(new CpuDevice(Threads), routed);
        FallbackCpu = new CpuDevice(Threads);
        Device = new FallbackDevice(Primary, FallbackCpu, routed);
    }

    public CpuDevice Plain { get; } = new(Threads);

    public RestrictedDevice Primary { get; }

    public CpuDevice FallbackCpu { get; }

    public FallbackDevice Device { get; }

    /// <summary>The scenario run on the plain device and on the fallback device, each with a stream of its own.</summary>
    public (T Plain, T Fallback) RunBoth<T>(Func<IDevice, IComputeStream, T> scenario)
    {
        T Run(IDevice device)
        {
            using var stream = device.CreateStream();
            return scenario(device, stream);
        }
        return (Run(Plain), Run(Device));
    }

    /// <summary>
    /// A [rows, cols] weight of <paramref name="type"/> from seeded values in [-1, 1), quantized by Core's reference
    /// codec over pinned memory the rig keeps alive.
    /// </summary>
    public WeightData Weight(string name, DType type, int rows, int cols, int seed)
    {
        var values = Values(new Random(seed), rows * cols);
        var bytes = GC.AllocateArray<byte>((int)type.ByteSize((long)rows * cols), pinned: true);
        if (type == DType.F32)
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
        else
            QuantCodecs.QuantizeReference(type, values, bytes);
        _pinned.Add(bytes);
        return new WeightData(name, type, rows, cols, Marshal.UnsafeAddrOfPinnedArrayElement(bytes, 0), bytes.Length);
    }

    public void Dispose()
    {
        Device.Dispose(); // the primary (and its inner CPU) and the fallback CPU
        Plain.Dispose();
    }

    /// <summary>Uniform values in [-1, 1).</summary>
    public static float[] Values(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
            a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>A [rows, cols] f32 tensor holding <paramref name="data"/>, one float past its buffer's start (misaligned).</summary>
    public static DeviceTensor F32(IComputeStream stream, ReadOnlySpan<float> data, int rows, int cols)
    {
        var buffer = stream.Device.Allocate((data.Length + 1) * sizeof(float), BufferUsage.Scratch);
        var t = DeviceTensor.F32(buffer, rows, cols, byteOffset: sizeof(float));
        stream.Upload(data, t);
        return t;
    }

    /// <summary>An i32 [rows, cols] tensor (default [n, 1]) holding <paramref name="data"/>, one int past its buffer's start.</summary>
    public static DeviceTensor I32(IComputeStream stream, ReadOnlySpan<int> data, int cols = 1)
    {
        var buffer = stream.Device.Allocate((data.Length + 1) * sizeof(int), BufferUsage.Scratch);
        var t = new DeviceTensor(buffer, sizeof(int), DType.I32, data.Length / cols, cols);
        stream.Upload(data, t);
        return t;
    }

    /// <summary>A zeroed [rows, cols] tensor of <paramref name="type"/> at the start of a buffer of its own.</summary>
    public static DeviceTensor Zeros(IDevice device, DType type, int rows, int cols, BufferUsage usage = BufferUsage.Scratch) =>
        new(device.Allocate(type.ByteSize((long)rows * cols), usage), 0, type, rows, cols);

    /// <summary>The bytes of any tensor (so f32, f16 and i32 results compare bit for bit).</summary>
    public static byte[] Bytes(IComputeStream stream, DeviceTensor t)
    {
        var bytes = new byte[t.ByteLength];
        stream.Read(t, bytes);
        return bytes;
    }
}
