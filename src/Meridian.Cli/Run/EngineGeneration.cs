// One request through the engine for `run` and `chat`: streams each output's text to the console as it comes,
// and times the prompt (submit to first output) and the generation (first output to last).
using System.Diagnostics;
using Meridian.Engine.Serving;

namespace Meridian.Cli.Run;

internal static class EngineGeneration
{
    /// <summary>What one request produced: its usage, why it ended, and its prompt and generation times.</summary>
    public sealed record Result(Usage Usage, FinishReason Finish, TimeSpan PromptTime, TimeSpan GenerationTime)
    {
        public double PromptTokensPerSecond => Usage.PromptTokens / Math.Max(PromptTime.TotalSeconds, 1e-9);

        // The first token comes with the prompt's output; the rest are decode steps.
        public double GenerationTokensPerSecond => Math.Max(0, Usage.CompletionTokens - 1) / Math.Max(GenerationTime.TotalSeconds, 1e-9);
    }

    /// <summary>Submits <paramref name="request"/> and writes its text to <paramref name="write"/> piece by piece.</summary>
    public static Result Run(LlmEngine engine, EngineRequest request, Action<string> write)
    {
        var clock = Stopwatch.StartNew();
        using var handle = engine.Submit(request);
        TimeSpan? first = null;
        RequestOutput? last = null;
        foreach (var output in handle.ReadAllAsync().ToBlockingEnumerable())
        {
            first ??= clock.Elapsed;
            if (output.Text.Length > 0)
                write(output.Text);
            last = output;
        }
        if (last?.FinishReason is not { } finish)
            throw new InvalidOperationException(engine.Fault is { } fault ? $"the engine stopped: {fault}" : "the engine ended the request without a final output");
        var end = clock.Elapsed;
        return new Result(last.Usage, finish, first ?? end, end - (first ?? end));
    }
}
