// POST /v1/completions: OpenAI's legacy text completions: prompt (text or ids) -> one engine request per
// choice -> a text_completion object or streamed text_completion chunks; echo and legacy logprobs.
using System.Text;
using Meridian.Engine.Serving;
using Meridian.Server.Common;
using Meridian.Server.Errors;
using Meridian.Server.Metrics;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Meridian.Server.Completions;

internal static class CompletionsEndpoint
{
    /// <summary>OpenAI's (and vLLM's) max_tokens default for legacy completions.</summary>
    public const int DefaultMaxTokens = 16;

    /// <summary>OpenAI caps legacy logprobs at 5.</summary>
    public const int MaxLogprobs = 5;

    public static void MapCompletions(this IEndpointRouteBuilder routes) => routes.MapPost("/v1/completions", HandleAsync);

    private static async Task HandleAsync(HttpContext context)
    {
        var engine = context.RequestServices.GetRequiredService<ILlmEngine>();
        var request = await RequestJson.ReadAsync(context, CompletionsJsonContext.Default.CompletionRequest);
        var model = engine.Model;
        SamplingFields.CheckModel(request.Model, model);
        var grammar = StructuredOutput.Parse(request);
        var prompt = CompletionPrompt.Parse(request.Prompt, model.Tokenizer);
        int n = SamplingFields.Choices(request);
        if (request.Logprobs is < 0 or > MaxLogprobs)
            throw ApiException.Invalid("logprobs", $"Invalid value for 'logprobs': must be in [0, {MaxLogprobs}], got {request.Logprobs}.");
        bool logprobs = request.Logprobs is not null;
        bool echo = request.Echo == true;
        var sampling = SamplingFields.Build(request, model.Tokenizer.VocabSize, request.MaxTokens ?? DefaultMaxTokens, "max_tokens",
            logprobs, request.Logprobs ?? 0);

        string id = Finish.NewId("cmpl-");
        var requests = new EngineRequest[n];
        for (int i = 0; i < n; i++)
        {
            requests[i] = new EngineRequest(prompt.Ids, SamplingFields.ForChoice(sampling, request.Seed, i))
                { Id = $"{id}-{i}", PromptLogprobs = echo && logprobs, Grammar = grammar };
        }
        var options = context.RequestServices.GetRequiredService<ServerOptions>();
        var metrics = context.RequestServices.GetRequiredService<ServerMetrics>();
        using var run = GenerationRun.Start(context, engine, metrics, options, requests, "prompt");
        var reply = new Reply(id, Finish.Now(), model, prompt, echo, logprobs);
        if (request.Stream == true)
            await StreamAsync(context, run, reply, request.StreamOptions?.IncludeUsage == true);
        else
            await CompleteAsync(context, run, reply);
    }

    private sealed record Reply(string Id, long Created, EngineModelInfo Model, CompletionPrompt Prompt, bool Echo, bool Logprobs)
    {
        public Completion Chunk(CompletionChoice choice) => new(Id, "text_completion", Created, Model.Name, [choice], null);
    }

    // One choice's text and logprobs as they grow.
    private sealed class ChoiceState(Reply reply)
    {
        public StringBuilder Text { get; } = new();
        public LegacyLogprobsBuilder Logprobs { get; } = new(reply.Model.Tokenizer);
        public bool Started { get; set; }

        /// <summary>The echoed prompt (first output only): its text and, with logprobs, its tokens.</summary>
        public (string Text, LegacyLogprobs? Logprobs) Echo(RequestOutput output)
        {
            Started = true;
            if (!reply.Echo)
                return ("", null);
            Text.Append(reply.Prompt.Text);
            LegacyLogprobs? lp = reply.Logprobs ? Logprobs.Prompt(reply.Prompt.Ids, output.PromptLogprobs) : null;
            return (reply.Prompt.Text, lp);
        }

        /// <summary>An output's generated text and logprobs, appended.</summary>
        public LegacyLogprobs? Add(RequestOutput output)
        {
            Logprobs.MoveTo(Text.Length);
            Text.Append(output.Text);
            return reply.Logprobs ? Logprobs.Output(output.Logprobs ?? []) : null;
        }
    }

    private static async Task CompleteAsync(HttpContext context, GenerationRun run, Reply reply)
    {
        int n = run.Count;
        var states = new ChoiceState[n];
        var logprobs = new LegacyLogprobs?[n];
        for (int i = 0; i < n; i++)
        {
            states[i] = new ChoiceState(reply);
            logprobs[i] = reply.Logprobs ? LegacyLogprobsBuilder.Empty() : null;
        }
        var (finish, usage) = await run.ReadToEndAsync((i, output) =>
        {
            var state = states[i];
            if (!state.Started && state.Echo(output).Logprobs is { } promptLp)
                LegacyLogprobsBuilder.Append(logprobs[i]!, promptLp);
            if (state.Add(output) is { } lp)
                LegacyLogprobsBuilder.Append(logprobs[i]!, lp);
        });
        var choices = new CompletionChoice[n];
        for (int i = 0; i < n; i++)
            choices[i] = new CompletionChoice(states[i].Text.ToString(), i, logprobs[i], Finish.Reason(finish[i]));
        var completion = new Completion(reply.Id, "text_completion", reply.Created, reply.Model.Name, choices, UsageInfo.Of(usage));
        await context.Response.WriteAsJsonAsync(completion, CompletionsJsonContext.Default.Completion, cancellationToken: context.RequestAborted);
    }

    private static async Task StreamAsync(HttpContext context, GenerationRun run, Reply reply, bool includeUsage)
    {
        var contract = CompletionsJsonContext.Default.Completion;
        int n = run.Count;
        var states = new ChoiceState[n];
        for (int i = 0; i < n; i++)
            states[i] = new ChoiceState(reply);
        var usage = new Usage[n];
        bool complete = true;
        await ServerSentEvents.StartAsync(context);
        try
        {
            await foreach (var (i, output) in run.ReadAsync())
            {
                var state = states[i];
                if (!state.Started)
                {
                    var (echoText, echoLp) = state.Echo(output);
                    if (reply.Echo)
                        await ServerSentEvents.WriteAsync(context, reply.Chunk(new CompletionChoice(echoText, i, echoLp, null)), contract);
                }
                var lp = state.Add(output);
                if (output.Text.Length > 0 || lp is { Tokens.Count: > 0 })
                    await ServerSentEvents.WriteAsync(context, reply.Chunk(new CompletionChoice(output.Text, i, lp, null)), contract);
                if (output.FinishReason is not { } reason)
                    continue;
                usage[i] = output.Usage;
                if (reason == FinishReason.Cancelled)
                {
                    complete = false;
                    await ServerSentEvents.WriteErrorAsync(context, Finish.Cancelled().ToDetail());
                    continue;
                }
                await ServerSentEvents.WriteAsync(context, reply.Chunk(new CompletionChoice("", i, null, Finish.Reason(reason))), contract);
            }
        }
        catch (ApiException e)
        {
            // Timed out, or the engine failed: the stream ends with the error event, then [DONE].
            complete = false;
            await ServerSentEvents.WriteErrorAsync(context, e.ToDetail());
        }
        if (includeUsage && complete)
            await ServerSentEvents.WriteAsync(context, new Completion(reply.Id, "text_completion", reply.Created, reply.Model.Name, [], UsageInfo.Of(usage)), contract);
        await ServerSentEvents.WriteDoneAsync(context);
    }
}
