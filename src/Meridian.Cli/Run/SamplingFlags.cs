// The sampling flags `run` and `chat` share, with llama.cpp's defaults (common/common.h
// common_params_sampling: temp 0.8, top-k 40, top-p 0.95, min-p 0.05, repeat-penalty 1.0 over the
// last 64 tokens), turned into a validated SamplingOptions whose errors name the flag.
using System.CommandLine;
using Meridian.Engine.Sampling;

namespace Meridian.Cli.Run;

internal sealed class SamplingFlags
{
    private readonly Option<int> _count;
    private readonly Option<float> _temp = new("--temp") { Description = "Sampling temperature; 0 is greedy", DefaultValueFactory = _ => 0.8f };
    private readonly Option<int> _topK = new("--top-k") { Description = "Keep the K most likely tokens; 0 = off", DefaultValueFactory = _ => 40 };
    private readonly Option<float> _topP = new("--top-p") { Description = "Nucleus sampling: keep the most likely tokens up to this total probability; 1 = off", DefaultValueFactory = _ => 0.95f };
    private readonly Option<float> _minP = new("--min-p") { Description = "Drop tokens less likely than this fraction of the most likely one; 0 = off", DefaultValueFactory = _ => 0.05f };
    private readonly Option<float> _repeatPenalty = new("--repeat-penalty") { Description = "Penalise tokens seen in the last --repeat-last-n tokens; 1 = off", DefaultValueFactory = _ => 1f };
    private readonly Option<int> _repeatLastN = new("--repeat-last-n") { Description = "Tokens the penalties look back over; 0 = off, -1 = all", DefaultValueFactory = _ => 64 };
    private readonly Option<float> _presencePenalty = new("--presence-penalty") { Description = "Subtracted from the logit of every token seen; 0 = off", DefaultValueFactory = _ => 0f };
    private readonly Option<float> _frequencyPenalty = new("--frequency-penalty") { Description = "Subtracted once per occurrence of a seen token; 0 = off", DefaultValueFactory = _ => 0f };
    private readonly Option<ulong?> _seed = new("--seed") { Description = "Random seed (default: a random one, printed to stderr)" };
    private readonly Option<string[]> _stop = new("--stop") { Description = "Stop before this text (repeatable); it is not printed" };
    private readonly Option<bool> _ignoreEos = new("--ignore-eos") { Description = "Keep generating past end-of-generation tokens" };

    /// <param name="defaultCount">The default of -n.</param>
    public SamplingFlags(int defaultCount)
    {
        _count = new Option<int>("-n", "--max-tokens") { Description = "Most tokens to generate; -1 = until end of generation or a full context", DefaultValueFactory = _ => defaultCount };
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _count, _temp, _topK, _topP, _minP, _repeatPenalty, _repeatLastN, _presencePenalty, _frequencyPenalty, _seed, _stop, _ignoreEos })
            command.Options.Add(option);
    }

    /// <summary>The options as given; throws a <see cref="CliUsageException"/> naming the flag at fault.</summary>
    public SamplingOptions Parse(ParseResult parse)
    {
        int n = parse.GetValue(_count);
        if (n is 0 or < -1)
            throw new CliUsageException($"-n must be at least 1, or -1 for no limit, not {n}");
        var options = new SamplingOptions
        {
            MaxTokens = n == -1 ? null : n,
            Temperature = parse.GetValue(_temp),
            TopK = parse.GetValue(_topK),
            TopP = parse.GetValue(_topP),
            MinP = parse.GetValue(_minP),
            RepetitionPenalty = parse.GetValue(_repeatPenalty),
            PenaltyLastN = parse.GetValue(_repeatLastN),
            PresencePenalty = parse.GetValue(_presencePenalty),
            FrequencyPenalty = parse.GetValue(_frequencyPenalty),
            Seed = parse.GetValue(_seed),
            StopStrings = parse.GetValue(_stop) ?? [],
            IgnoreEos = parse.GetValue(_ignoreEos),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException($"{FlagOf(ex.ParamName)} {Detail(ex)}");
        }
        return options;
    }

    /// <summary>
    /// <paramref name="options"/> with a seed: the one given, or one drawn here and said on stderr, so the run can
    /// be repeated (the engine's sampler would otherwise draw one nobody sees).
    /// </summary>
    public static SamplingOptions Seeded(SamplingOptions options, TextWriter stderr)
    {
        if (options.Seed is not null || options.IsGreedy)
            return options;
        ulong seed = (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        stderr.WriteLine($"seed: {seed} (pass --seed {seed} to repeat this run)");
        return options with { Seed = seed };
    }

    private static string FlagOf(string? field) => field switch
    {
        nameof(SamplingOptions.MaxTokens) => "-n",
        nameof(SamplingOptions.Temperature) => "--temp",
        nameof(SamplingOptions.TopK) => "--top-k",
        nameof(SamplingOptions.TopP) => "--top-p",
        nameof(SamplingOptions.MinP) => "--min-p",
        nameof(SamplingOptions.RepetitionPenalty) => "--repeat-penalty",
        nameof(SamplingOptions.PenaltyLastN) => "--repeat-last-n",
        nameof(SamplingOptions.PresencePenalty) => "--presence-penalty",
        nameof(SamplingOptions.FrequencyPenalty) => "--frequency-penalty",
        nameof(SamplingOptions.StopStrings) => "--stop",
        _ => $"sampling option {field}",
    };

    // Validate's message is "SamplingOptions.Field <what is wrong>"; ArgumentException appends " (Parameter 'Field')".
    private static string Detail(ArgumentException ex)
    {
        string message = ex.Message;
        string prefix = $"SamplingOptions.{ex.ParamName} ";
        int start = message.StartsWith(prefix, StringComparison.Ordinal) ? prefix.Length : 0;
        int end = message.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return message[start..(end >= start ? end : message.Length)];
    }
}
