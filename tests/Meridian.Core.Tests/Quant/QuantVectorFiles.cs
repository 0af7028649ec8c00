// Loads the ggml-generated quant vectors in ../shared/testdata/quant-vectors (see index.tsv there):
// 128 x 256 real weights, ggml's block bytes of them per type, ggml's dequantization, ggml's error stats.
using System.Buffers.Binary;
using System.Globalization;
using Meridian.Core.Tensors;
using Meridian.Tests.Shared;

namespace Meridian.Core.Tests.Quant;

internal static class QuantVectorFiles
{
    public const int Rows = 128;
    public const int Cols = 256;

    // [128 * 256] f32, row-major; skips the test when the fixture is absent.
    public static float[] InputWeights() => ReadF32(TestData.Require("quant-vectors/input_weights.f32"));

    // ggml's blocks for type, [rows * cols / block * typeSize] bytes.
    public static byte[] QuantBytes(DType type) => File.ReadAllBytes(TestData.Require($"quant-vectors/{type.Name()}.quant.bin"));

    // ggml's dequantization of QuantBytes(type), [128 * 256] f32.
    public static float[] GgmlDequant(DType type) => ReadF32(TestData.Require($"quant-vectors/{type.Name()}.dequant.f32"));

    // ggml's rmse(dequant - input) / rms(input) for type, from stats.txt.
    /// <summary>Whether the shared vectors were made for <paramref name="type"/> (all decodable types but MXFP4).</summary>
    public static bool HasVectors(DType type) => type != DType.MXFP4;

    public static double GgmlRelativeRmse(DType type)
    {
        foreach (string line in File.ReadLines(TestData.Require("quant-vectors/stats.txt")).Skip(1))
        {
            string[] cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length >= 2 && cols[0] == type.Name())
                return double.Parse(cols[1], CultureInfo.InvariantCulture);
        }
        throw new InvalidDataException($"stats.txt has no row for {type.Name()}");
    }

    public static float[] ReadF32(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        return values;
    }

    // rmse(approx - exact) / rms(exact), in double, as stats.txt defines it.
    public static double RelativeRmse(ReadOnlySpan<float> approx, ReadOnlySpan<float> exact)
    {
        double err = 0, sq = 0;
        for (int i = 0; i < exact.Length; i++)
        {
            double e = (double)approx[i] - exact[i];
            err += e * e;
            sq += (double)exact[i] * exact[i];
        }
        return Math.Sqrt(err / exact.Length) / Math.Sqrt(sq / exact.Length);
    }
}
