// Validates the shared OpenAI sampling fields and maps them onto SamplingOptions. Each failure is a 400
// naming the field as OpenAI spells it. Penalties use PenaltyLastN = -1: OpenAI's presence/frequency
// penalties count every output token, and the engine passes only output tokens as the penalty history.
using System.Globalization;
using System.Text.Json;
using Meridian.Engine.Sampling;
using Meridian.Engine.Serving;
using Meridian.Server.Errors;

namespace Meridian.Server.Common;

internal static class SamplingFields
{
    public const int MaxChoices = 16;
    public const int MaxStops = 4;

    /// <summary>Throws 404 model_not_found unless <paramref name="model"/> is absent or the served name.</summary>
    public static void CheckModel(string? model, EngineModelInfo served)
    {
        if (model is not null && model != served.Name)
            throw ApiException.ModelNotFound(model);
    }

    /// <summary>Number of choices (n), 1..16.</summary>
    public static int Choices(GenerationFields request)
    {
        int n = request.N ?? 1;
        if (n is < 1 or > MaxChoices)
            throw ApiException.Invalid("n", $"Invalid value for 'n': must be in [1, {MaxChoices}], got {n}.");
        return n;
    }

    /// <summary>The request's sampling options, seed unset (each choice gets its own, see <see cref="ForChoice"/>).</summary>
    public static SamplingOptions Build(GenerationFields request, int vocabSize, int? maxTokens, string maxTokensParam,
        bool logprobs, int topLogprobs)
    {
        double temperature = request.Temperature ?? 1;
        if (!(temperature >= 0 && temperature <= 2))
            throw Range("temperature", "[0, 2]", temperature);
        double topP = request.TopP ?? 1;
        if (!(topP > 0 && topP <= 1))
            throw Range("top_p", "(0, 1]", topP);
        double presence = request.PresencePenalty ?? 0;
        if (!(presence >= -2 && presence <= 2))
            throw Range("presence_penalty", "[-2, 2]", presence);
        double frequency = request.FrequencyPenalty ?? 0;
        if (!(frequency >= -2 && frequency <= 2))
            throw Range("frequency_penalty", "[-2, 2]", frequency);
        int topK = request.TopK ?? 0;
        if (topK < -1)
            throw ApiException.Invalid("top_k", $"Invalid value for 'top_k': must be at least 1, or 0 / -1 for off, got {topK}.");
        double minP = request.MinP ?? 0;
        if (!(minP >= 0 && minP <= 1))
            throw Range("min_p", "[0, 1]", minP);
        double repetition = request.RepetitionPenalty ?? 1;
        if (!(repetition > 0 && repetition <= 10))
            throw Range("repetition_penalty", "(0, 10]", repetition);
        if (maxTokens is < 1)
            throw ApiException.Invalid(maxTokensParam, $"Invalid value for '{maxTokensParam}': must be at least 1, got {maxTokens}.");
        return new SamplingOptions
        {
            Temperature = (float)temperature,
            TopP = (float)topP,
            PresencePenalty = (float)presence,
            FrequencyPenalty = (float)frequency,
            TopK = topK,
            MinP = (float)minP,
            RepetitionPenalty = (float)repetition,
            IgnoreEos = request.IgnoreEos ?? false,
            PenaltyLastN = -1,
            LogitBias = LogitBias(request.LogitBias, vocabSize),
            MaxTokens = maxTokens,
            StopStrings = Stops(request.Stop),
            Logprobs = logprobs,
            TopLogprobs = topLogprobs,
        };
    }

    /// <summary>Choice <paramref name="index"/>'s options: seed + index when a seed was given (so n choices differ but replay).</summary>
    public static SamplingOptions ForChoice(SamplingOptions sampling, long? seed, int index) =>
        seed is { } s ? sampling with { Seed = unchecked((ulong)(s + index)) } : sampling;

    private static IReadOnlyList<string> Stops(JsonElement? stop)
    {
        if (stop is not { } value || value.ValueKind == JsonValueKind.Null)
            return [];
        if (value.ValueKind == JsonValueKind.String)
        {
            string s = value.GetString()!;
            return s.Length == 0 ? throw ApiException.Invalid("stop", "Invalid value for 'stop': the stop string must not be empty.") : [s];
        }
        if (value.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid("stop", $"Invalid type for 'stop': expected a string or an array of strings, got {RequestJson.Describe(value.ValueKind)}.");
        int count = value.GetArrayLength();
        if (count > MaxStops)
            throw ApiException.Invalid("stop", $"Invalid value for 'stop': at most {MaxStops} stop sequences are allowed, got {count}.");
        var stops = new List<string>(count);
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw ApiException.Invalid($"stop[{i}]", $"Invalid type for 'stop[{i}]': expected a string, got {RequestJson.Describe(item.ValueKind)}.");
            string s = item.GetString()!;
            if (s.Length == 0)
                throw ApiException.Invalid($"stop[{i}]", $"Invalid value for 'stop[{i}]': the stop string must not be empty.");
            stops.Add(s);
            i++;
        }
        return stops;
    }

    private static Dictionary<int, float>? LogitBias(Dictionary<string, double>? bias, int vocabSize)
    {
        if (bias is null || bias.Count == 0)
            return null;
        var result = new Dictionary<int, float>(bias.Count);
        foreach (var (key, value) in bias)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= vocabSize)
                throw ApiException.Invalid("logit_bias", $"Invalid key in 'logit_bias': \"{key}\" is not a token id in [0, {vocabSize}).");
            if (!(value >= -100 && value <= 100))
                throw ApiException.Invalid("logit_bias", $"Invalid value in 'logit_bias' for token {key}: must be in [-100, 100], got {Format(value)}.");
            result[id] = (float)value;
        }
        return result;
    }

    private static ApiException Range(string param, string range, double value) =>
        ApiException.Invalid(param, $"Invalid value for '{param}': must be in {range}, got {Format(value)}.");

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
