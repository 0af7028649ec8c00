// Tiny cases worked by hand (arithmetic in the comments), so the codecs are checked even where the
// shared ggml vectors are absent: Q4_0, Q8_0, Q4_1, Q4_K scale packing, Q3_K, IQ4_NL, MXFP4, F16, BF16.
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Core.Tests.Quant;

public class QuantHandCaseTests
{
    [Fact]
    public void Q4_0_RampMinus16To15_GivesHandComputedBlock()
    {
        // x_j = j - 16. Largest magnitude is x_0 = -16, so d = -16 / -8 = 2 (f16 0x4000), 1/d = 0.5.
        // code_j = min(15, trunc(x_j * 0.5 + 8.5)) = min(15, trunc(j/2 + 0.5)) = min(15, (j + 1) / 2).
        // Low nibbles (j = 0..15):  0 1 1 2 2 3 3 4 4 5 5 6 6 7 7 8
        // High nibbles (j = 16..31): 8 9 9 10 10 11 11 12 12 13 13 14 14 15 15 15 (j = 31: 16 capped)
        float[] x = Enumerable.Range(0, 32).Select(j => (float)(j - 16)).ToArray();
        byte[] expected =
        [
            0x00, 0x40,
            0x80, 0x91, 0x91, 0xA2, 0xA2, 0xB3, 0xB3, 0xC4, 0xC4, 0xD5, 0xD5, 0xE6, 0xE6, 0xF7, 0xF7, 0xF8,
        ];

        var block = new byte[18];
        QuantCodecs.QuantizeReference(DType.Q4_0, x, block);
        Assert.Equal(expected, block);

        // Decoding: y_j = (code_j - 8) * 2, e.g. y_0 = -16, y_1 = (1 - 8) * 2 = -14, y_31 = (15 - 8) * 2 = 14.
        var y = new float[32];
        QuantCodecs.DequantizeReference(DType.Q4_0, block, y);
        float[] expectedY = Enumerable.Range(0, 32).Select(j => (Math.Min(15, (j + 1) / 2) - 8) * 2f).ToArray();
        Assert.Equal(expectedY, y);
    }

    [Fact]
    public void Q4_0_OppositeSignExtreme_SaturatesAtSevenSteps()
    {
        // x = [8, -8, 0...]: the first largest-magnitude value is +8, so d = 8 / -8 = -1 and 8 -> code 0
        // -> (0 - 8) * -1 = 8. For -8: -8 * -1 + 8.5 = 16.5 -> 16 -> capped 15 -> (15 - 8) * -1 = -7.
        // Zeros: 0 + 8.5 -> 8 -> 0.
        var x = new float[32];
        x[0] = 8;
        x[1] = -8;
        var block = new byte[18];
        QuantCodecs.QuantizeReference(DType.Q4_0, x, block);
        var y = new float[32];
        QuantCodecs.DequantizeReference(DType.Q4_0, block, y);

        Assert.Equal(8f, y[0]);
        Assert.Equal(-7f, y[1]);
        Assert.All(y[2..], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Q4_0_NegativeOnlyBlock_RoundsHalfUpWithUnitScale()
    {
        // x_j = -(j + 1) / 4, all negative; max = x_31 = -8, so d = 1 and code = trunc(x + 8.5), i.e.
        // y = floor(x + 0.5): ties go up (-0.5 -> 0, -1.5 -> -1) and -8 is reproduced exactly.
        float[] x = Enumerable.Range(0, 32).Select(j => -(j + 1) / 4f).ToArray();
        var block = new byte[18];
        QuantCodecs.QuantizeReference(DType.Q4_0, x, block);
        var y = new float[32];
        QuantCodecs.DequantizeReference(DType.Q4_0, block, y);

        Assert.Equal([0x00, 0x3C], block[..2]); // d = 1.0 in f16
        Assert.Equal(x.Select(v => MathF.Floor(v + 0.5f)).ToArray(), y);
    }

    [Fact]
    public void Q8_0_UnitScaleBlock_RoundsHalfAwayFromZero()
    {
        // amax = 127 so d = 127 / 127 = 1 (f16 0x3C00) and code = round-half-away(x):
        // 127 -> 127 (0x7F), -62.5 -> -63 (0xC1), 2.5 -> 3 (0x03), 0.49 -> 0; round-half-even would give -62 and 2.
        var x = new float[32];
        x[0] = 127f;
        x[1] = -62.5f;
        x[2] = 2.5f;
        x[3] = 0.49f;
        var expected = new byte[34];
        expected[1] = 0x3C;
        expected[2] = 0x7F;
        expected[3] = 0xC1;
        expected[4] = 0x03;

        var block = new byte[34];
        QuantCodecs.QuantizeReference(DType.Q8_0, x, block);
        Assert.Equal(expected, block);

        var y = new float[32];
        QuantCodecs.DequantizeReference(DType.Q8_0, block, y);
        Assert.Equal([127f, -63f, 3f, 0f], y[..4]);
    }

    [Fact]
    public void Q8_0_HugeValue_KeepsItAndFlushesSmallOnes()
    {
        // amax = 1e6, d = 1e6 / 127 = 7874.0157; f16 steps are 4 in [4096, 8192), 7874.0157 / 4 = 1968.50
        // rounds to 1969, so the stored d is 7876. The huge value gets code round(127.0) = 127 ->
        // 127 * 7876 = 1000252; the ones get round(1 / 7874) = 0.
        float[] x = Enumerable.Repeat(1f, 32).ToArray();
        x[5] = 1e6f;
        var block = new byte[34];
        QuantCodecs.QuantizeReference(DType.Q8_0, x, block);
        var y = new float[32];
        QuantCodecs.DequantizeReference(DType.Q8_0, block, y);

        Assert.Equal(1000252f, y[5]);
        Assert.Equal(31, y.Count(v => v == 0f));
    }

    [Fact]
    public void Q8_0_ValueBeyondF16Range_StoresInfiniteScaleLikeGgml()
    {
        // Known limit of the format: d = 1e10 / 127 = 7.9e7 is past f16's 65504, so the stored
        // scale is +inf (0x7C00), exactly what ggml's quantize_row_q8_0_ref writes.
        var x = new float[32];
        x[0] = 1e10f;
        var block = new byte[34];
        QuantCodecs.QuantizeReference(DType.Q8_0, x, block);
        Assert.Equal([0x00, 0x7C], block[..2]);
    }

    [Fact]
    public void Q4_1_NegativeOnlyBlock_MinIsExactAndStepIsFifteenth()
    {
        // x_j = -(j + 1): min = -32 (exact in f16), max = -1, d = 31 / 15 = 2.0667 -> f16 2.06640625
        // (steps of 2^-9 in [2, 4): 0.0667 / 0.00195 = 34.1 -> 34). Code 0 decodes to exactly -32; every
        // value is within half a step (plus the f16 rounding of d, 15 * 0.0003) of its input.
        float[] x = Enumerable.Range(0, 32).Select(j => -(j + 1f)).ToArray();
        var block = new byte[20];
        QuantCodecs.QuantizeReference(DType.Q4_1, x, block);
        var y = new float[32];
        QuantCodecs.DequantizeReference(DType.Q4_1, block, y);

        Assert.Equal([0x22, 0x40, 0x00, 0xD0], block[..4]); // d = 0x4022 (2.06640625), m = 0xD000 (-32)
        Assert.Equal(-32f, y[31]);
        for (int j = 0; j < 32; j++)
            Assert.InRange(y[j] - x[j], -(2.0666f / 2 + 0.006f), 2.0666f / 2 + 0.006f);
    }

    [Fact]
    public void Q4_K_ScaleAndMinOfUpperSubBlock_AreUnpackedFromSplitBits()
    {
        // d = dmin = 1. Sub-block 5 gets scale 37 (0b10_0101) and min 50 (0b11_0010):
        //   scales[9] = (37 & 15) | (50 & 15) << 4 = 0x25; scales[1] |= (37 >> 4) << 6 = 0x80;
        //   scales[5] |= (50 >> 4) << 6 = 0xC0.
        // Sub-block 5 is the high nibbles of qs[64 .. 96) (g = 2). A code of 7 decodes to
        // 1 * 37 * 7 - 1 * 50 = 209; sub-blocks with scale 0 and min 0 decode to 0.
        var block = new byte[144];
        block[1] = 0x3C;                // d = 1.0
        block[3] = 0x3C;                // dmin = 1.0
        block[4 + 9] = 0x25;
        block[4 + 1] = 0x80;
        block[4 + 5] = 0xC0;
        block[16 + 64 + 3] = 0x70;      // element 64*2 + 32 + 3 = 163 has code 7

        var y = new float[256];
        QuantCodecs.DequantizeReference(DType.Q4_K, block, y);

        Assert.Equal(209f, y[163]);
        Assert.Equal(-50f, y[160]);     // code 0 in sub-block 5: 0 - 50
        Assert.Equal(0f, y[3]);
    }

    [Fact]
    public void Q3_K_HighBitAndSignedScale_DecodeAsHandComputed()
    {
        // d = 0.5 (0x3800). Scale 0 = 33 -> 33 - 32 = 1: low nibble 1 in scales[0], high bits 0b10 in
        // bits 0..1 of scales[8]. All other scales unpack to 0 -> -32.
        //   element 0: low bits 3, hmask bit clear -> q = 3 - 4 = -1 -> 0.5 * 1 * -1 = -0.5
        //   element 1: low bits 2, hmask bit set   -> q = 2            -> 0.5 * 1 * 2  = 1
        //   element 2: low bits 0, bit clear       -> q = -4           -> 0.5 * 1 * -4 = -2
        //   element 16 (sub-block 1), 255: q = -4 -> 0.5 * -32 * -4 = 64
        var block = new byte[110];
        block[1] = 1;                   // hmask[1] bit 0
        block[32 + 0] = 3;              // qs[0] bits 0..1
        block[32 + 1] = 2;              // qs[1] bits 0..1
        block[96 + 0] = 0x01;
        block[96 + 8] = 0x02;
        block[109] = 0x38;

        var y = new float[256];
        QuantCodecs.DequantizeReference(DType.Q3_K, block, y);

        Assert.Equal([-0.5f, 1f, -2f], y[..3]);
        Assert.Equal(64f, y[16]);
        Assert.Equal(64f, y[255]);
    }

    [Fact]
    public void Iq4Nl_Indices_DecodeThroughNonLinearTable()
    {
        // d = 2 (0x4000). qs[0] = 0xF0: element 0 -> table[0] = -127 -> -254, element 16 -> table[15] = 113
        // -> 226. qs[1] = 0x78: element 1 -> table[8] = 1 -> 2, element 17 -> table[7] = -10 -> -20.
        var block = new byte[18];
        block[1] = 0x40;
        block[2] = 0xF0;
        block[3] = 0x78;

        var y = new float[32];
        QuantCodecs.DequantizeReference(DType.IQ4_NL, block, y);

        Assert.Equal([-254f, 2f], y[..2]);
        Assert.Equal([226f, -20f], y[16..18]);
        Assert.Equal(-254f, y[2]);      // index 0 again
    }

    [Fact]
    public void Mxfp4_CodesAndScale_DecodeAsE2M1TimesPowerOfTwo()
    {
        // e = 128: scale 2^(128 - 127) = 2. Byte 0 = 0x97: weight 0 code 7 (+6) = 12, weight 16 code 9 (-0.5) = -1.
        // Byte 1 = 0xF3: weight 1 code 3 (+1.5) = 3, weight 17 code 15 (-6) = -12. The rest 0x00: zeros.
        var block = new byte[17];
        block[0] = 128;
        block[1] = 0x97;
        block[2] = 0xF3;
        var y = new float[32];

        QuantCodecs.DequantizeReference(DType.MXFP4, block, y);

        Assert.Equal([12f, 3f, 0f], y[..3]);
        Assert.Equal([-1f, -12f, 0f], y[16..19]);

        // Encoding those values back: the largest magnitude 12 needs 2^ceil(log2(12 / 6)) = 2, so e = 128 again,
        // and every value is exactly representable: the same bytes.
        var again = new byte[17];
        QuantCodecs.QuantizeReference(DType.MXFP4, y, again);
        Assert.Equal(block, again);
    }

    [Theory]
    [InlineData(1.0f, 0x3C00)]
    [InlineData(65504f, 0x7BFF)]        // largest finite f16
    [InlineData(65520f, 0x7C00)]        // halfway to the next power: ties to even = infinity
    [InlineData(-2.0f, 0xC000)]
    [InlineData(5.9604645e-8f, 0x0001)] // 2^-24, smallest subnormal
    [InlineData(2.9802322e-8f, 0x0000)] // 2^-25, tie between 0 and 2^-24: even is 0
    [InlineData(0.33333334f, 0x3555)]   // 1/3: 0x3555 = 0.33325, 0x3556 = 0.33350; nearer the first
    public void F16_Quantize_RoundsToNearestEven(float value, int expectedBits)
    {
        var bytes = new byte[2];
        QuantCodecs.QuantizeReference(DType.F16, [value], bytes);
        Assert.Equal(expectedBits, bytes[0] | (bytes[1] << 8));
    }

    [Theory]
    [InlineData(0x3F800000u, 0x3F80)]   // 1.0
    [InlineData(0x3F808000u, 0x3F80)]   // tie, kept bits even: stays
    [InlineData(0x3F818000u, 0x3F82)]   // tie, kept bits odd: rounds up to even
    [InlineData(0x3F808001u, 0x3F81)]   // just above the tie
    [InlineData(0x7F7FFFFFu, 0x7F80)]   // max float rounds up to infinity
    [InlineData(0x7F800001u, 0x7FC0)]   // signalling NaN: top bits kept, quiet bit forced
    [InlineData(0xFFC00001u, 0xFFC0)]   // negative quiet NaN keeps its sign
    public void Bf16_Quantize_RoundsToNearestEvenAndQuietsNaN(uint f32Bits, int expectedBits)
    {
        var bytes = new byte[2];
        QuantCodecs.QuantizeReference(DType.BF16, [BitConverter.UInt32BitsToSingle(f32Bits)], bytes);
        Assert.Equal(expectedBits, bytes[0] | (bytes[1] << 8));
    }

    [Fact]
    public void Bf16_Dequantize_IsTopHalfOfF32()
    {
        // 0x4049 -> 0x40490000 = 3.140625 (1.5703125 * 2).
        var y = new float[1];
        QuantCodecs.DequantizeReference(DType.BF16, [0x49, 0x40], y);
        Assert.Equal(3.140625f, y[0]);
    }
}
