// Microsoft.Extensions.AI's IChatClient over the serving engine, in-process: the same batching,
// prefix cache and sampling as the HTTP server, without HTTP. ChatOptions map to SamplingOptions the
// way the OpenAI adapter maps them to request fields.
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Meridian.Engine.Sampling;
using Meridian.Engine.Serving;
using Meridian.Engine.Tools;
using Meridian.Grammar.Constraints;
using Microsoft.Extensions.AI;

namespace Meridian.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> that runs chats on an <see cref="ILlmEngine"/>. Messages are rendered with the
/// model's chat template; text, function calls and function results (other content types are refused by name).
/// ChatOptions.Tools (AI functions) are served as the HTTP server serves OpenAI's tools (ToolPlan): the reply's calls come
/// back as FunctionCallContent, so FunctionInvokingChatClient runs tool loops in process. Disposing the client does not
/// stop the engine.
/// </summary>
public sealed class MeridianChatClient : IChatClient
{
    private readonly ILlmEngine _engine;
    private readonly ChatClientMetadata _metadata;

    /// <summary>A client over <paramref name="engine"/>.</summary>
    public MeridianChatClient(ILlmEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _metadata = new ChatClientMetadata("meridian", null, engine.Model.Name);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            updates.Add(update);
        return updates.ToChatResponse();
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var tools = ToToolPlan(options);
        var promptMessages = ToolPlan.Prompt(tools, _engine.Model, ToPromptMessages(messages, options));
        var prompt = ChatPrompt.Encode(_engine.Model, promptMessages, tools?.Tools);
        var grammar = ToGrammar(options);
        if (grammar is not null && tools?.Grammar is { Trigger: null })
            throw new ArgumentException("ChatOptions.ResponseFormat and a required tool mode (or a template without tool support) both constrain the reply; give one", nameof(options));
        using var handle = _engine.Submit(new EngineRequest(prompt, ToSampling(options)) { Grammar = grammar ?? tools?.Grammar });
        string responseId = $"chatcmpl-{handle.Id}";
        var created = DateTimeOffset.UtcNow;
        var streamer = tools is null ? null : new ToolCallStreamer(tools.Format); // text before a call streams; calls come at the end
        await foreach (var output in handle.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var contents = new List<AIContent>();
            bool calls = false; // the reply's calls came with this output
            if (tools is null)
            {
                if (output.Text.Length > 0)
                    contents.Add(new TextContent(output.Text));
            }
            else
            {
                string text = streamer!.Push(output.Text);
                if (text.Length > 0)
                    contents.Add(new TextContent(text));
                if (output.FinishReason is not null)
                {
                    var reply = streamer.Finish();
                    if (reply.Content.Length > 0)
                        contents.Add(new TextContent(reply.Content));
                    foreach (var call in reply.Calls)
                        contents.Add(new FunctionCallContent(ToolPlan.NewCallId(), call.Name, JsonSerializer.Deserialize<Dictionary<string, object?>>(call.Arguments)));
                    calls = reply.Calls.Count > 0;
                }
            }
            if (output.FinishReason is not null)
            {
                contents.Add(new UsageContent(new UsageDetails
                {
                    InputTokenCount = output.Usage.PromptTokens,
                    OutputTokenCount = output.Usage.CompletionTokens,
                    TotalTokenCount = output.Usage.PromptTokens + output.Usage.CompletionTokens,
                    CachedInputTokenCount = output.Usage.CachedPromptTokens,
                }));
            }
            if (contents.Count == 0)
                continue;
            yield return new ChatResponseUpdate(ChatRole.Assistant, contents)
            {
                ResponseId = responseId,
                MessageId = responseId,
                ModelId = _engine.Model.Name,
                CreatedAt = created,
                FinishReason = output.FinishReason switch
                {
                    FinishReason.Stop when calls => ChatFinishReason.ToolCalls,
                    FinishReason.Stop => ChatFinishReason.Stop,
                    FinishReason.Length => ChatFinishReason.Length,
                    FinishReason.Cancelled => throw new OperationCanceledException("the engine cancelled the request (shutting down)"),
                    _ => null,
                },
            };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
            return null;
        if (serviceType == typeof(ChatClientMetadata))
            return _metadata;
        return serviceType.IsInstanceOfType(this) ? this
            : serviceType.IsInstanceOfType(_engine) ? _engine
            : null;
    }

    public void Dispose()
    {
    }

    private static List<ChatPromptMessage> ToPromptMessages(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var result = new List<ChatPromptMessage>();
        if (options?.Instructions is { Length: > 0 } instructions)
            result.Add(new ChatPromptMessage("system", instructions));
        int i = 0;
        foreach (var message in messages)
        {
            var calls = new JsonArray();
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent or UsageContent:
                        break;
                    case FunctionCallContent call:
                        // OpenAI's shape; the arguments as an object, as templates write them with tojson.
                        calls.Add(new JsonObject
                        {
                            ["id"] = call.CallId,
                            ["type"] = "function",
                            ["function"] = new JsonObject
                            {
                                ["name"] = call.Name,
                                ["arguments"] = JsonSerializer.SerializeToNode(call.Arguments ?? new Dictionary<string, object?>()),
                            },
                        });
                        break;
                    case FunctionResultContent r:
                        // Each result is a tool message of its own, as OpenAI's API carries them.
                        string text = r.Result switch
                        {
                            null => "",
                            string s => s,
                            JsonElement e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText(),
                            var other => JsonSerializer.Serialize(other),
                        };
                        result.Add(new ChatPromptMessage("tool", text) { ToolCallId = r.CallId });
                        break;
                    default:
                        throw new NotSupportedException($"message {i} has {content.GetType().Name} content; Meridian's chat client takes text, function calls and function results");
                }
            }
            if (message.Contents.Any(c => c is FunctionResultContent))
            {
                i++;
                continue; // its results were added as tool messages
            }
            result.Add(new ChatPromptMessage(message.Role.Value, calls.Count > 0 && message.Text.Length == 0 ? null : message.Text)
            {
                ToolCalls = calls.Count > 0 ? calls : null,
            });
            i++;
        }
        if (result.Count == 0)
            throw new ArgumentException("no messages to answer", nameof(messages));
        return result;
    }

    // ChatOptions.Tools (AI functions) as OpenAI's tools; ToolMode as tool_choice (none: no plan). Other tool kinds
    // are refused by name.
    private ToolPlan? ToToolPlan(ChatOptions? options)
    {
        if (options?.Tools is not { Count: > 0 } tools || options.ToolMode is NoneChatToolMode)
            return null;
        var list = new JsonArray();
        foreach (var tool in tools)
        {
            if (tool is not AIFunctionDeclaration f)
                throw new NotSupportedException($"ChatOptions.Tools holds a {tool.GetType().Name}; Meridian's chat client serves AI functions only");
            list.Add(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = f.Name,
                    ["description"] = f.Description,
                    ["parameters"] = JsonNode.Parse(f.JsonSchema.GetRawText()),
                },
            });
        }
        var (mode, named) = options.ToolMode switch
        {
            RequiredChatToolMode { RequiredFunctionName: { } name } => (ToolChoiceMode.Named, name),
            RequiredChatToolMode => (ToolChoiceMode.Required, (string?)null),
            _ => (ToolChoiceMode.Auto, null),
        };
        try
        {
            return ToolPlan.Create(_engine.Model, list, mode, named, options.AllowMultipleToolCalls ?? true);
        }
        catch (Meridian.Grammar.GrammarException e)
        {
            throw new ArgumentException($"a tool's parameters cannot be enforced for the required tool mode: {e.Message}", nameof(options), e);
        }
    }

    // ChatOptions -> SamplingOptions; unset knobs keep OpenAI's defaults (temperature 1, top_p 1, no penalties).
    // JSON mode: one JSON object (OpenAI's json_object), or one value that validates against the format's schema. A
    // schema keyword that cannot be enforced makes Submit throw an ArgumentException naming it.
    private static GrammarSpec? ToGrammar(ChatOptions? options) => options?.ResponseFormat switch
    {
        ChatResponseFormatJson { Schema: { } schema } => new GrammarSpec(GrammarKind.JsonSchema, schema.GetRawText()),
        ChatResponseFormatJson => GrammarSpec.JsonObject,
        _ => null,
    };

    private static SamplingOptions ToSampling(ChatOptions? options)
    {
        if (options is null)
            return new SamplingOptions { PenaltyLastN = -1 };
        return new SamplingOptions
        {
            Temperature = options.Temperature ?? 1f,
            TopP = options.TopP ?? 1f,
            TopK = options.TopK ?? 0,
            FrequencyPenalty = options.FrequencyPenalty ?? 0f,
            PresencePenalty = options.PresencePenalty ?? 0f,
            PenaltyLastN = -1, // OpenAI semantics: the penalties count every generated token
            Seed = options.Seed is { } seed ? unchecked((ulong)seed) : null,
            MaxTokens = options.MaxOutputTokens,
            StopStrings = options.StopSequences is { } stops ? [.. stops] : [],
        };
    }
}
