// Microsoft.Extensions.AI's IChatClient over the serving engine, in-process: the same batching,
// prefix cache and sampling as the HTTP server, without HTTP. ChatOptions map to SamplingOptions the
// way the OpenAI adapter maps them to request fields.
using System.Runtime.CompilerServices;
using Meridian.Engine.Sampling;
using Meridian.Engine.Serving;
using Meridian.Grammar.Constraints;
using Microsoft.Extensions.AI;

namespace Meridian.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> that runs chats on an <see cref="ILlmEngine"/>. Messages are rendered with the
/// model's chat template; text content only (other content types and tools are refused by name).
/// Disposing the client does not stop the engine.
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
        var prompt = ChatPrompt.Encode(_engine.Model, ToPromptMessages(messages, options));
        using var handle = _engine.Submit(new EngineRequest(prompt, ToSampling(options)) { Grammar = ToGrammar(options) });
        string responseId = $"chatcmpl-{handle.Id}";
        var created = DateTimeOffset.UtcNow;
        await foreach (var output in handle.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var contents = new List<AIContent>();
            if (output.Text.Length > 0)
                contents.Add(new TextContent(output.Text));
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
            foreach (var content in message.Contents)
            {
                if (content is not TextContent and not UsageContent)
                    throw new NotSupportedException($"message {i} has {content.GetType().Name} content; Meridian's chat client takes text only");
            }
            result.Add(new ChatPromptMessage(message.Role.Value, message.Text));
            i++;
        }
        if (result.Count == 0)
            throw new ArgumentException("no messages to answer", nameof(messages));
        return result;
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
        if (options.Tools is { Count: > 0 })
            throw new NotSupportedException("tool calling is not supported by Meridian's chat client yet");
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
