// QuantCodecs at its boundary: which types it accepts (against the list in the quant brief and the
// DTypes flags), how it refuses the rest, and how it rejects mismatched buffer sizes.
using Meridian.Core.Quant;
using Meridian.Core.Tensors;

namespace Meridian.Core.Tests.Quant;

public class QuantCodecsTests
{
    // The supported sets, written out independently of DTypes.cs.
    private static readonly DType[] Decodable =
    [
        DType.F32, DType.F16, DType.BF16, DType.Q4_0, DType.Q4_1, DType.Q5_0, DType.Q5_1, DType.Q8_0,
        DType.Q2_K, DType.Q3_K, DType.Q4_K, DType.Q5_K, DType.Q6_K, DType.IQ4_NL, DType.IQ4_XS, DType.MXFP4,
    ];

    private static readonly DType[] Encodable =
    [
        DType.F32, DType.F16, DType.BF16, DType.Q4_0, DType.Q4_1, DType.Q5_0, DType.Q5_1, DType.Q8_0,
        DType.Q4_K, DType.Q5_K, DType.Q6_K, DType.MXFP4,
    ];

    public static TheoryData<DType> AllTypes() => new(Enum.GetValues<DType>());

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void CanDequantize_EveryType_MatchesSupportedListAndDTypesFlag(DType type)
    {
        Assert.Equal(Decodable.Contains(type), QuantCodecs.CanDequantize(type));
        Assert.Equal(type.Info().CanDequantize, QuantCodecs.CanDequantize(type));
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void CanQuantize_EveryType_MatchesSupportedListAndDTypesFlag(DType type)
    {
        Assert.Equal(Encodable.Contains(type), QuantCodecs.CanQuantize(type));
        Assert.Equal(type.Info().CanQuantize, QuantCodecs.CanQuantize(type));
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void DequantizeReference_EveryType_DecodesExactlyWhenCanDequantize(DType type)
    {
        var info = type.Info();
        var dst = new float[info.BlockSize];
        var src = new byte[info.TypeSize];
        if (QuantCodecs.CanDequantize(type))
        {
            // An all-zero block decodes to zeros in every supported format (every scale is +0).
            QuantCodecs.DequantizeReference(type, src, dst);
            Assert.All(dst, v => Assert.Equal(0f, v));
        }
        else
        {
            var ex = Assert.Throws<UnsupportedDTypeException>(() => QuantCodecs.DequantizeReference(type, src, dst));
            Assert.Contains(info.Name, ex.Message);
        }
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void QuantizeReference_EveryType_EncodesExactlyWhenCanQuantize(DType type)
    {
        var info = type.Info();
        var src = new float[info.BlockSize];
        var dst = new byte[info.TypeSize];
        if (QuantCodecs.CanQuantize(type))
            QuantCodecs.QuantizeReference(type, src, dst);
        else
        {
            var ex = Assert.Throws<UnsupportedDTypeException>(() => QuantCodecs.QuantizeReference(type, src, dst));
            Assert.Contains(info.Name, ex.Message);
        }
    }

    [Theory]
    [InlineData(DType.IQ2_S, "iq2_s")]
    [InlineData(DType.TQ1_0, "tq1_0")]
    [InlineData(DType.Q8_K, "q8_K")]
    [InlineData(DType.IQ3_XXS, "iq3_xxs")]
    [InlineData(DType.Q4_2, "q4_2")]    // removed from ggml: no layout
    [InlineData(DType.IQ1_M, "iq1_m")]
    [InlineData((DType)99, "type#99")]  // unknown id
    public void DequantizeReference_UnsupportedType_ThrowsNamingType(DType type, string name)
    {
        var ex = Assert.Throws<UnsupportedDTypeException>(() => QuantCodecs.DequantizeReference(type, new byte[256], new float[256]));
        Assert.Contains(name, ex.Message);
        Assert.Contains("cannot decode", ex.Message);
    }

    [Theory]
    [InlineData(DType.Q2_K, "q2_K")]
    [InlineData(DType.Q3_K, "q3_K")]
    [InlineData(DType.IQ4_NL, "iq4_nl")]
    [InlineData(DType.IQ4_XS, "iq4_xs")]
    [InlineData(DType.Q8_1, "q8_1")]
    [InlineData(DType.TQ2_0, "tq2_0")]
    public void QuantizeReference_UnsupportedType_ThrowsNamingType(DType type, string name)
    {
        var ex = Assert.Throws<UnsupportedDTypeException>(() => QuantCodecs.QuantizeReference(type, new float[256], new byte[4096]));
        Assert.Contains(name, ex.Message);
        Assert.Contains("cannot encode", ex.Message);
    }

    [Theory]
    [InlineData(DType.Q4_0, 17, 32)]   // one block needs 18 bytes
    [InlineData(DType.Q4_0, 19, 32)]
    [InlineData(DType.Q4_0, 18, 33)]   // not a whole block of values
    [InlineData(DType.Q4_0, 18, 16)]
    [InlineData(DType.Q6_K, 210, 255)]
    [InlineData(DType.Q6_K, 209, 256)]
    [InlineData(DType.F16, 3, 1)]
    [InlineData(DType.F32, 8, 1)]
    public void DequantizeReference_WrongSizes_ThrowsArgumentExceptionNamingSizes(DType type, int bytes, int values)
    {
        var ex = Assert.Throws<ArgumentException>(() => QuantCodecs.DequantizeReference(type, new byte[bytes], new float[values]));
        Assert.Contains(values.ToString(), ex.Message);
    }

    [Theory]
    [InlineData(DType.Q8_0, 32, 33)]
    [InlineData(DType.Q8_0, 64, 34)]
    [InlineData(DType.Q8_0, 31, 34)]
    [InlineData(DType.Q4_K, 256, 143)]
    [InlineData(DType.Q4_K, 128, 72)]
    [InlineData(DType.BF16, 2, 2)]
    public void QuantizeReference_WrongSizes_ThrowsArgumentExceptionNamingSizes(DType type, int values, int bytes)
    {
        var ex = Assert.Throws<ArgumentException>(() => QuantCodecs.QuantizeReference(type, new float[values], new byte[bytes]));
        Assert.Contains(values.ToString(), ex.Message);
    }

    [Fact]
    public void DequantizeReference_SourceTooShort_MessageNamesBothSizes()
    {
        var ex = Assert.Throws<ArgumentException>(() => QuantCodecs.DequantizeReference(DType.Q4_0, new byte[35], new float[64]));
        // 64 values = 2 blocks of 18 bytes = 36 bytes.
        Assert.Contains("35", ex.Message);
        Assert.Contains("36", ex.Message);
        Assert.Equal("src", ex.ParamName);
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Codecs_EmptyBuffers_AreAccepted(DType type)
    {
        // Zero values is zero whole blocks; must not throw or write anything.
        if (QuantCodecs.CanDequantize(type))
            QuantCodecs.DequantizeReference(type, [], []);
        if (QuantCodecs.CanQuantize(type))
            QuantCodecs.QuantizeReference(type, [], []);
    }
}
