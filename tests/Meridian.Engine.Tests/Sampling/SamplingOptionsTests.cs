// Validation of SamplingOptions: each out-of-range field is rejected with an ArgumentException naming it.
using Meridian.Engine.Sampling;

namespace Meridian.Engine.Tests.Sampling;

public class SamplingOptionsTests
{
    public static TheoryData<SamplingOptions, string> InvalidOptions => new()
    {
        { new SamplingOptions { Temperature = -0.1f }, "Temperature" },
        { new SamplingOptions { Temperature = float.NaN }, "Temperature" },
        { new SamplingOptions { Temperature = float.PositiveInfinity }, "Temperature" },
        { new SamplingOptions { TopK = -2 }, "TopK" },
        { new SamplingOptions { TopP = 0f }, "TopP" },
        { new SamplingOptions { TopP = 1.01f }, "TopP" },
        { new SamplingOptions { TopP = float.NaN }, "TopP" },
        { new SamplingOptions { MinP = -0.01f }, "MinP" },
        { new SamplingOptions { MinP = 1.5f }, "MinP" },
        { new SamplingOptions { RepetitionPenalty = 0f }, "RepetitionPenalty" },
        { new SamplingOptions { RepetitionPenalty = float.NaN }, "RepetitionPenalty" },
        { new SamplingOptions { FrequencyPenalty = 2.5f }, "FrequencyPenalty" },
        { new SamplingOptions { PresencePenalty = -3f }, "PresencePenalty" },
        { new SamplingOptions { PenaltyLastN = -2 }, "PenaltyLastN" },
        { new SamplingOptions { LogitBias = new Dictionary<int, float> { [-1] = 1f } }, "LogitBias" },
        { new SamplingOptions { LogitBias = new Dictionary<int, float> { [1] = float.NaN } }, "LogitBias" },
        { new SamplingOptions { LogitBias = new Dictionary<int, float> { [1] = float.PositiveInfinity } }, "LogitBias" },
        { new SamplingOptions { LogitBias = new Dictionary<int, float> { [10] = 1f } }, "LogitBias" }, // vocab is 10
        { new SamplingOptions { MaxTokens = 0 }, "MaxTokens" },
        { new SamplingOptions { StopStrings = ["ok", ""] }, "StopStrings" },
        { new SamplingOptions { StopStrings = null! }, "StopStrings" },
        { new SamplingOptions { TopLogprobs = 21 }, "TopLogprobs" },
        { new SamplingOptions { TopLogprobs = -1 }, "TopLogprobs" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Sampler_InvalidField_ThrowsArgumentExceptionNamingField(SamplingOptions options, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => new Sampler(options, vocabSize: 10));
        Assert.Equal(field, e.ParamName);
        Assert.Contains("SamplingOptions." + field, e.Message);
    }

    [Fact]
    public void Validate_BoundaryValues_Accepted()
    {
        // every "off" value and each inclusive bound
        var options = new SamplingOptions
        {
            Temperature = 0, TopK = -1, TopP = 1, MinP = 1, RepetitionPenalty = 1, FrequencyPenalty = -2,
            PresencePenalty = 2, PenaltyLastN = -1, MaxTokens = 1, TopLogprobs = 20,
            LogitBias = new Dictionary<int, float> { [9] = float.NegativeInfinity },
        };
        Assert.Equal(0, new Sampler(options, 10).Sample(new float[10], [])); // all zeros, greedy → id 0
        new Sampler(new SamplingOptions(), 1);
    }
}
