// Encode-then-decode properties of every encoder that hold without the shared ggml vectors:
// all-zero blocks, a huge outlier (positive, or in a negative-only block), and block-by-block
// independence at misaligned buffer offsets; plus prefix/offset checks against the ggml vectors.
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Core.Tests.Quant;

public class QuantRoundTripTests
{
    // An outlier sets its block's scale, so it must come back within this fraction of itself: the
    // f16 scale costs < 0.05% and the K-quants' 6-bit sub-scales are exact for the largest one.
    private const float OutlierRelativeTolerance = 0.01f;

    // MXFP4 stores 4-bit floats (0.5 to 6 times a power of two, 1 mantissa bit): 1000 / 256 = 3.9 becomes 4, 2.4% off;
    // the coarsest step, between 4 and 6, allows 20%.
    private static float OutlierTolerance(DType type) => type == DType.MXFP4 ? 0.2f : OutlierRelativeTolerance;
    private const int OutlierIndex = 77;
    private const float Outlier = 1000f;

    public static TheoryData<DType> EncodableTypes() => new(DTypes.All.Where(i => i.CanQuantize).Select(i => i.Type));

    public static TheoryData<DType> DecodableTypes() => new(DTypes.All.Where(i => i.CanDequantize).Select(i => i.Type));

    [Theory]
    // Q4_0/Q5_0: d = 0 / -8 = -0.0 (f16 0x8000), and 1/d is taken as 0, so every code is the middle
    // one: Q4_0 trunc(0 + 8.5) = 8 -> nibbles 0x88; Q5_0 trunc(16.5) = 16 -> low nibble 0, fifth bit
    // set in all 32 qh bits. Q8_0: d = 0 / 127 = +0, codes 0. The rest: every scale, min and code is 0.
    [InlineData(DType.Q4_0, "0080" + "88888888888888888888888888888888")]
    [InlineData(DType.Q5_0, "0080" + "FFFFFFFF" + "00000000000000000000000000000000")]
    [InlineData(DType.Q8_0, "")]
    [InlineData(DType.Q4_1, "")]
    [InlineData(DType.Q5_1, "")]
    [InlineData(DType.Q4_K, "")]
    [InlineData(DType.Q5_K, "")]
    [InlineData(DType.Q6_K, "")]
    [InlineData(DType.F16, "")]
    [InlineData(DType.BF16, "")]
    [InlineData(DType.F32, "")]
    [InlineData(DType.MXFP4, "")] // scale byte 0 (2^-127), every code 0
    public void QuantizeReference_AllZeroBlock_GivesHandDerivedBytesAndDecodesToZero(DType type, string firstBlockHex)
    {
        var info = type.Info();
        var x = new float[info.BlockSize];
        var block = new byte[info.TypeSize];
        block.AsSpan().Fill(0xAA); // every byte must be written

        QuantCodecs.QuantizeReference(type, x, block);
        byte[] expected = new byte[info.TypeSize];
        Convert.FromHexString(firstBlockHex).CopyTo(expected, 0);
        Assert.Equal(expected, block);

        var y = new float[info.BlockSize];
        QuantCodecs.DequantizeReference(type, block, y);
        Assert.All(y, v => Assert.Equal(0f, v)); // -0 compares equal to 0
    }

    [Theory]
    [MemberData(nameof(EncodableTypes))]
    public void QuantizeReference_HugeOutlier_ComesBackWithinTolerance(DType type)
    {
        // Weights in [-0.5, 0.5] and one value 1000: the outlier sets its block's scale.
        float[] x = Enumerable.Range(0, 256).Select(i => 0.5f * MathF.Sin(0.7f * i)).ToArray();
        x[OutlierIndex] = Outlier;

        float[] y = RoundTrip(type, x);

        Assert.InRange(y[OutlierIndex], Outlier * (1 - OutlierTolerance(type)), Outlier * (1 + OutlierTolerance(type)));
    }

    [Theory]
    [MemberData(nameof(EncodableTypes))]
    public void QuantizeReference_NegativeOnlyBlockWithOutlier_ComesBackNegativeWithinTolerance(DType type)
    {
        // All weights in [-0.51, -0.01] and one at -1000; asymmetric formats must place their min there,
        // symmetric ones their sign-carrying scale. Decoded values may not turn positive by more than a
        // quantization step, and the outlier must survive.
        float[] x = Enumerable.Range(0, 256).Select(i => -0.01f - 0.5f * MathF.Abs(MathF.Sin(0.7f * i))).ToArray();
        x[OutlierIndex] = -Outlier;

        float[] y = RoundTrip(type, x);

        Assert.InRange(y[OutlierIndex], -Outlier * (1 + OutlierTolerance(type)), -Outlier * (1 - OutlierTolerance(type)));
        // Blocks without the outlier hold only small negatives; their decoded values stay near them.
        int blockSize = type.Info().BlockSize;
        int outlierBlock = OutlierIndex / blockSize;
        for (int i = 0; i < x.Length; i++)
        {
            if (i / blockSize != outlierBlock)
                Assert.InRange(y[i], -0.6f, 0.05f);
        }
    }

    [Theory]
    [MemberData(nameof(EncodableTypes))]
    public void QuantizeReference_MisalignedBlockPrefixes_MatchWholeBufferEncoding(DType type)
    {
        // Blocks are independent, so encoding the first k blocks into a buffer at an odd offset must
        // give the first k blocks of encoding everything, for k = 0..8.
        var info = type.Info();
        float[] x = Enumerable.Range(0, 8 * info.BlockSize).Select(i => MathF.Sin(0.37f * i) * (1 + i % 7)).ToArray();
        var whole = new byte[type.ByteSize(x.Length)];
        QuantCodecs.QuantizeReference(type, x, whole);

        for (int k = 0; k <= 8; k++)
        {
            int bytes = k * info.TypeSize;
            var buffer = new byte[bytes + 3];
            QuantCodecs.QuantizeReference(type, x.AsSpan(0, k * info.BlockSize), buffer.AsSpan(3, bytes));
            Assert.Equal(whole.AsSpan(0, bytes).ToArray(), buffer.AsSpan(3, bytes).ToArray());
        }
    }

    [SkippableTheory]
    [MemberData(nameof(DecodableTypes), MemberType = typeof(QuantVectorTests))] // the types the shared vectors cover
    public void DequantizeReference_MisalignedBlockPrefixes_MatchGgmlDequant(DType type)
    {
        // The first k blocks of ggml's bytes, copied to odd offsets (1..3) of a buffer, decode to the
        // first k * block values of ggml's dequantization, for k = 0..9.
        var info = type.Info();
        byte[] blocks = QuantVectorFiles.QuantBytes(type);
        float[] expected = QuantVectorFiles.GgmlDequant(type);

        for (int k = 0; k <= 9; k++)
        {
            int offset = 1 + k % 3;
            var buffer = new byte[offset + k * info.TypeSize];
            blocks.AsSpan(0, k * info.TypeSize).CopyTo(buffer.AsSpan(offset));
            var y = new float[k * info.BlockSize + 1];
            QuantCodecs.DequantizeReference(type, buffer.AsSpan(offset), y.AsSpan(1));
            for (int i = 0; i < k * info.BlockSize; i++)
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected[i]), BitConverter.SingleToUInt32Bits(y[1 + i]));
        }
    }

    private static float[] RoundTrip(DType type, float[] x)
    {
        var blocks = new byte[type.ByteSize(x.Length)];
        QuantCodecs.QuantizeReference(type, x, blocks);
        var y = new float[x.Length];
        QuantCodecs.DequantizeReference(type, blocks, y);
        return y;
    }
}
