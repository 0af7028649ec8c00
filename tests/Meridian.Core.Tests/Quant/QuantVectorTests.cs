// The reference codecs against ggml's own output on real weights (../shared/testdata/quant-vectors):
// decoding bit for bit, encoding byte for byte, and round-trip error against ggml's stats.
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Xunit.Abstractions;

namespace Meridian.Core.Tests.Quant;

public class QuantVectorTests(ITestOutputHelper output)
{
    // ggml's stats.txt prints rmse/rms to 5 decimals; allow 1% over it, plus half a printed unit
    // so a figure like 0.00020 (really up to 0.000205) is not misread as tighter than it is.
    private const double StatsRelativeSlack = 1.01;
    private const double StatsPrintedHalfUnit = 0.5e-5;

    // The types the shared ggml vectors cover (testdata/quant-vectors, its README): every one Meridian decodes but
    // MXFP4, which came later (checked by QuantHandCaseTests and live against llama.cpp in Meridian.Models.Tests).
    public static TheoryData<DType> DecodableTypes() => new(DTypes.All.Where(i => i.CanDequantize && QuantVectorFiles.HasVectors(i.Type)).Select(i => i.Type));

    public static TheoryData<DType> EncodableTypes() => new(DTypes.All.Where(i => i.CanQuantize && QuantVectorFiles.HasVectors(i.Type)).Select(i => i.Type));

    [SkippableTheory]
    [MemberData(nameof(DecodableTypes))]
    public void DequantizeReference_GgmlBlocks_MatchGgmlDequantBitForBit(DType type)
    {
        byte[] blocks = QuantVectorFiles.QuantBytes(type);
        float[] expected = QuantVectorFiles.GgmlDequant(type);

        var actual = new float[expected.Length];
        QuantCodecs.DequantizeReference(type, blocks, actual);

        AssertSameBits(expected, actual, type);
    }

    [SkippableTheory]
    [MemberData(nameof(EncodableTypes))]
    public void QuantizeReference_RealWeights_MatchGgmlBytes(DType type)
    {
        float[] input = QuantVectorFiles.InputWeights();
        byte[] expected = QuantVectorFiles.QuantBytes(type);

        var actual = new byte[expected.Length];
        QuantCodecs.QuantizeReference(type, input, actual);

        int firstDiff = actual.AsSpan().CommonPrefixLength(expected);
        int diffBytes = actual.Zip(expected).Count(p => p.First != p.Second);
        output.WriteLine($"{type.Name()}: {(diffBytes == 0 ? "byte-exact with ggml" : $"{diffBytes} of {expected.Length} bytes differ, first at {firstDiff}")}");
        Assert.True(diffBytes == 0, $"{type.Name()}: {diffBytes} bytes differ from ggml, first at byte {firstDiff} (block {firstDiff / type.Info().TypeSize})");
    }

    [SkippableTheory]
    [MemberData(nameof(EncodableTypes))]
    public void QuantizeReference_RealWeights_RoundTripErrorWithinGgmlStats(DType type)
    {
        float[] input = QuantVectorFiles.InputWeights();
        double ggml = QuantVectorFiles.GgmlRelativeRmse(type);

        var blocks = new byte[type.ByteSize(input.Length)];
        QuantCodecs.QuantizeReference(type, input, blocks);
        var roundTrip = new float[input.Length];
        QuantCodecs.DequantizeReference(type, blocks, roundTrip);

        double ours = QuantVectorFiles.RelativeRmse(roundTrip, input);
        output.WriteLine($"{type.Name()}: rmse/rms {ours:F6}, ggml {ggml:F5}");
        Assert.True(ours <= (ggml + StatsPrintedHalfUnit) * StatsRelativeSlack, $"{type.Name()}: rmse/rms {ours:F6} exceeds ggml's {ggml:F5}");
    }

    private static void AssertSameBits(float[] expected, float[] actual, DType type)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            uint e = BitConverter.SingleToUInt32Bits(expected[i]);
            uint a = BitConverter.SingleToUInt32Bits(actual[i]);
            Assert.True(e == a, $"{type.Name()} element {i} (row {i / QuantVectorFiles.Cols}, col {i % QuantVectorFiles.Cols}): " +
                $"ggml 0x{e:X8} ({expected[i]:R}), ours 0x{a:X8} ({actual[i]:R})");
        }
    }
}
