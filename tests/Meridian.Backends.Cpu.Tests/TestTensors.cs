// Test helpers shared by the CPU backend tests: weights over pinned arrays (as the memory map is used in
// place) and tensors written through the stream one element past a buffer's start (misaligned rows).
using System.Runtime.InteropServices;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;

namespace Meridian.Backends.Cpu.Tests;

internal static class TestTensors
{
    /// <summary>A weight over <paramref name="pinned"/> (made with GC.AllocateArray(pinned: true): the device reads it in place).</summary>
    public static WeightData Weight(byte[] pinned, DType type, int rows, int cols, string name = "w") =>
        new(name, type, rows, cols, Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0), pinned.Length);

    /// <summary>A pinned copy of <paramref name="bytes"/>.</summary>
    public static byte[] Pin(ReadOnlySpan<byte> bytes)
    {
        var pinned = GC.AllocateArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(pinned);
        return pinned;
    }

    /// <summary>An f32 [rows, cols] tensor holding <paramref name="data"/>, one float past its buffer's start.</summary>
    public static DeviceTensor PutF32(this IComputeStream stream, ReadOnlySpan<float> data, int rows, int cols)
    {
        var buffer = stream.Device.Allocate((data.Length + 1) * sizeof(float), BufferUsage.Scratch);
        var t = DeviceTensor.F32(buffer, rows, cols, byteOffset: sizeof(float));
        stream.Upload(data, t);
        return t;
    }

    /// <summary>An i32 [rows, cols] tensor (default [n, 1]) holding <paramref name="data"/>, one int past its buffer's start.</summary>
    public static DeviceTensor PutI32(this IComputeStream stream, ReadOnlySpan<int> data, int rows = -1, int cols = 1)
    {
        if (rows < 0)
            rows = data.Length / cols;
        var buffer = stream.Device.Allocate((data.Length + 1) * sizeof(int), BufferUsage.Scratch);
        var t = new DeviceTensor(buffer, sizeof(int), DType.I32, rows, cols);
        stream.Upload(data, t);
        return t;
    }

    /// <summary>An f16 [rows, cols] tensor holding <paramref name="data"/>, one value past its buffer's start.</summary>
    public static DeviceTensor PutF16(this IComputeStream stream, ReadOnlySpan<Half> data, int rows, int cols)
    {
        var buffer = stream.Device.Allocate((data.Length + 1) * 2L, BufferUsage.Scratch);
        var t = new DeviceTensor(buffer, 2, DType.F16, rows, cols);
        stream.Write(MemoryMarshal.AsBytes(data), t);
        return t;
    }

    public static float[] GetF32(this IComputeStream stream, DeviceTensor t)
    {
        var result = new float[t.Rows * t.Cols];
        stream.Download(t, result);
        return result;
    }

    public static int[] GetI32(this IComputeStream stream, DeviceTensor t)
    {
        var result = new int[t.Rows * t.Cols];
        stream.Download(t, result);
        return result;
    }

    public static Half[] GetF16(this IComputeStream stream, DeviceTensor t)
    {
        var result = new Half[t.Rows * t.Cols];
        stream.Read(t, MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    /// <summary>Uniform values in [-1, 1).</summary>
    public static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
            a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>Normalised mean squared error Σ(e - a)² / Σe² (ggml test-backend-ops' measure).</summary>
    public static double Nmse(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double err = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)expected[i] - actual[i];
            err += d * d;
            norm += (double)expected[i] * expected[i];
        }
        return norm == 0 ? err : err / norm;
    }
}
