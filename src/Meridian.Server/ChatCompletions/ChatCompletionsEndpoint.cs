// POST /v1/chat/completions: OpenAI chat messages -> chat template -> one engine request per choice ->
// a chat.completion object, or chat.completion.chunk server-sent events when stream is true.
using System.Text;
using Meridian.Engine.Serving;
using Meridian.Engine.Tools;
using Meridian.Server.Common;
using Meridian.Server.Errors;
using Meridian.Server.Metrics;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Meridian.Server.ChatCompletions;

internal static class ChatCompletionsEndpoint
{
    public static void MapChatCompletions(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/v1/chat/completions", HandleAsync);

    private static async Task HandleAsync(HttpContext context)
    {
        var engine = context.RequestServices.GetRequiredService<ILlmEngine>();
        var request = await RequestJson.ReadAsync(context, ChatJsonContext.Default.ChatCompletionRequest);
        var model = engine.Model;
        SamplingFields.CheckModel(request.Model, model);
        var grammar = StructuredOutput.Parse(request);
        UnsupportedFields.CheckFunctions(request.Functions, request.FunctionCall);
        var tools = ChatTools.Parse(request.Tools, request.ToolChoice, request.ParallelToolCalls, model);
        if (tools?.Grammar is { Trigger: null } && grammar is not null)
            throw ApiException.Invalid("tool_choice", "A constrained tool_choice (or a template without tool support) and a structured-output field both constrain the reply; give one.");
        grammar ??= tools?.Grammar; // with auto, a structured-output field wins over the lazy grammar of the calls
        var messages = ToolPlan.Prompt(tools, model, ChatMessages.Parse(request.Messages));
        int n = SamplingFields.Choices(request);
        bool logprobs = request.Logprobs ?? false;
        int topLogprobs = request.TopLogprobs ?? 0;
        if (topLogprobs is < 0 or > Engine.Sampling.SamplingOptions.MaxTopLogprobs)
            throw ApiException.Invalid("top_logprobs", $"Invalid value for 'top_logprobs': must be in [0, {Engine.Sampling.SamplingOptions.MaxTopLogprobs}], got {topLogprobs}.");
        if (topLogprobs > 0 && !logprobs)
            throw ApiException.Invalid("top_logprobs", "'top_logprobs' needs 'logprobs' set to true.");
        var sampling = request.MaxCompletionTokens is not null
            ? SamplingFields.Build(request, model.Tokenizer.VocabSize, request.MaxCompletionTokens, "max_completion_tokens", logprobs, topLogprobs)
            : SamplingFields.Build(request, model.Tokenizer.VocabSize, request.MaxTokens, "max_tokens", logprobs, topLogprobs);

        int[] prompt = ChatMessages.Encode(model, messages, tools?.Tools);

        string id = Finish.NewId("chatcmpl-");
        var requests = new EngineRequest[n];
        for (int i = 0; i < n; i++)
            requests[i] = new EngineRequest(prompt, SamplingFields.ForChoice(sampling, request.Seed, i)) { Id = $"{id}-{i}", Grammar = grammar };
        var options = context.RequestServices.GetRequiredService<ServerOptions>();
        var metrics = context.RequestServices.GetRequiredService<ServerMetrics>();
        using var run = GenerationRun.Start(context, engine, metrics, options, requests, "messages");
        var reply = new Reply(id, Finish.Now(), model, logprobs, prompt, tools);
        if (request.Stream == true)
            await StreamAsync(context, run, reply, request.StreamOptions?.IncludeUsage == true);
        else
            await CompleteAsync(context, run, reply);
    }

    private sealed record Reply(string Id, long Created, EngineModelInfo Model, bool Logprobs, int[] Prompt, ToolPlan? Tools)
    {
        /// <summary>The reply's text and tool calls (none without tools), with OpenAI ids.</summary>
        public (string? Content, List<ChatToolCallOutput>? Calls) Calls(string text) => Tools is null ? (text, null) : Calls(Tools.Parse(text));

        /// <summary>A parsed reply's text and tool calls, with OpenAI ids.</summary>
        public (string? Content, List<ChatToolCallOutput>? Calls) Calls(ParsedReply parsed)
        {
            if (parsed.Calls.Count == 0)
                return (parsed.Content, null);
            var calls = parsed.Calls.Select(c => new ChatToolCallOutput(ToolPlan.NewCallId(), "function", new ChatFunctionOutput(c.Name, c.Arguments))).ToList();
            return (parsed.Content.Length > 0 ? parsed.Content : null, calls);
        }

        /// <summary>A choice's think-tag splitter (null: the model has no think tags).</summary>
        public ReasoningSplitter? Splitter() => ReasoningSplitter.For(Model.Tokenizer, Prompt);

        public ChatCompletionChunk Chunk(ChatChunkChoice choice) => new(Id, "chat.completion.chunk", Created, Model.Name, [choice], null);

        public ChatLogprobs? LogprobsOf(RequestOutput output) =>
            Logprobs ? new ChatLogprobs(ChatLogprobsBuilder.Convert(Model.Tokenizer, output.Logprobs ?? [])) : null;
    }

    private static async Task CompleteAsync(HttpContext context, GenerationRun run, Reply reply)
    {
        int n = run.Count;
        var texts = new StringBuilder[n];
        var logprobs = new List<ChatTokenLogprob>[n];
        for (int i = 0; i < n; i++)
        {
            texts[i] = new StringBuilder();
            logprobs[i] = [];
        }
        var (finish, usage) = await run.ReadToEndAsync((i, output) =>
        {
            texts[i].Append(output.Text);
            if (reply.Logprobs && output.Logprobs is { } lp)
                logprobs[i].AddRange(ChatLogprobsBuilder.Convert(reply.Model.Tokenizer, lp));
        });

        var choices = new ChatChoice[n];
        for (int i = 0; i < n; i++)
        {
            string content = texts[i].ToString();
            string? reasoning = null;
            if (reply.Splitter() is { } splitter)
            {
                var (r1, c1) = splitter.Push(content);
                var (r2, c2) = splitter.Flush();
                content = c1 + c2;
                reasoning = splitter.SawReasoning ? r1 + r2 : null;
            }
            var (text, calls) = reply.Calls(content);
            string reason = calls is not null && finish[i] == FinishReason.Stop ? "tool_calls" : Finish.Reason(finish[i]);
            choices[i] = new ChatChoice(i, new ChatMessageOutput("assistant", text, reasoning) { ToolCalls = calls },
                reply.Logprobs ? new ChatLogprobs(logprobs[i]) : null, reason);
        }
        var completion = new ChatCompletion(reply.Id, "chat.completion", reply.Created, reply.Model.Name, choices, UsageInfo.Of(usage));
        await context.Response.WriteAsJsonAsync(completion, ChatJsonContext.Default.ChatCompletion, cancellationToken: context.RequestAborted);
    }

    private static async Task StreamAsync(HttpContext context, GenerationRun run, Reply reply, bool includeUsage)
    {
        var contract = ChatJsonContext.Default.ChatCompletionChunk;
        int n = run.Count;
        var usage = new Usage[n];
        bool complete = true;
        await ServerSentEvents.StartAsync(context);
        // OpenAI opens each choice with the assistant role and empty content.
        for (int i = 0; i < n; i++)
            await ServerSentEvents.WriteAsync(context, reply.Chunk(new ChatChunkChoice(i, new ChatDelta("assistant", ""), null, null)), contract);
        var splitters = Enumerable.Range(0, n).Select(_ => reply.Splitter()).ToArray();
        // With tools, the text before the format's trigger streams as it comes and the rest is parsed when the reply
        // ends (ToolCallStreamer): calls go out as tool_calls deltas (id, type and name first, then the arguments,
        // under the call's index), the rest as content.
        var streamers = Enumerable.Range(0, n).Select(_ => reply.Tools is { } plan ? new ToolCallStreamer(plan.Format) : null).ToArray();
        try
        {
            await foreach (var (i, output) in run.ReadAsync())
            {
                bool hasLogprobs = reply.Logprobs && output.Logprobs is { Count: > 0 };
                var (reasoning, text) = splitters[i] is { } splitter ? splitter.Push(output.Text) : ("", output.Text);
                if (output.FinishReason is not null && splitters[i] is { } last)
                {
                    var (r, c) = last.Flush();
                    (reasoning, text) = (reasoning + r, text + c);
                }
                List<ChatToolCallOutput>? calls = null;
                if (streamers[i] is { } streamer)
                {
                    text = streamer.Push(text);
                    if (output.FinishReason is not null)
                    {
                        var (content, parsed) = reply.Calls(streamer.Finish());
                        (text, calls) = (text + (content ?? ""), parsed);
                    }
                }
                // Reasoning and answer go in their own fields (a delta may carry both when one piece closes the think).
                if (text.Length > 0 || reasoning.Length > 0 || hasLogprobs)
                {
                    var delta = new ChatDelta(null, text.Length > 0 || reasoning.Length == 0 ? text : null, reasoning.Length > 0 ? reasoning : null);
                    await ServerSentEvents.WriteAsync(context, reply.Chunk(new ChatChunkChoice(i, delta, reply.LogprobsOf(output), null)), contract);
                }
                for (int k = 0; calls is not null && k < calls.Count; k++)
                {
                    var call = calls[k];
                    await ServerSentEvents.WriteAsync(context, reply.Chunk(new ChatChunkChoice(i, new ChatDelta(null, null)
                        { ToolCalls = [new ChatToolCallDelta(k, call.Id, "function", new ChatFunctionDelta(call.Function.Name, ""))] }, null, null)), contract);
                    await ServerSentEvents.WriteAsync(context, reply.Chunk(new ChatChunkChoice(i, new ChatDelta(null, null)
                        { ToolCalls = [new ChatToolCallDelta(k, null, null, new ChatFunctionDelta(null, call.Function.Arguments))] }, null, null)), contract);
                }
                if (output.FinishReason is not { } reason)
                    continue;
                usage[i] = output.Usage;
                if (reason == FinishReason.Cancelled)
                {
                    complete = false;
                    await ServerSentEvents.WriteErrorAsync(context, Finish.Cancelled().ToDetail());
                    continue;
                }
                string finishReason = calls is not null && reason == FinishReason.Stop ? "tool_calls" : Finish.Reason(reason);
                await ServerSentEvents.WriteAsync(context, reply.Chunk(new ChatChunkChoice(i, new ChatDelta(null, null), null, finishReason)), contract);
            }
        }
        catch (ApiException e)
        {
            // Timed out, or the engine failed: the stream ends with the error event, then [DONE].
            complete = false;
            await ServerSentEvents.WriteErrorAsync(context, e.ToDetail());
        }
        if (includeUsage && complete)
            await ServerSentEvents.WriteAsync(context, new ChatCompletionChunk(reply.Id, "chat.completion.chunk", reply.Created, reply.Model.Name, [], UsageInfo.Of(usage)), contract);
        await ServerSentEvents.WriteDoneAsync(context);
    }
}
