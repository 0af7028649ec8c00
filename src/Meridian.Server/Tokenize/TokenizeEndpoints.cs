// POST /tokenize and POST /detokenize (vLLM's shapes): text or chat messages -> ids, ids -> text.
using Meridian.Engine.Serving;
using Meridian.Server.ChatCompletions;
using Meridian.Server.Common;
using Meridian.Server.Errors;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Meridian.Server.Tokenize;

internal static class TokenizeEndpoints
{
    public static void MapTokenize(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/tokenize", TokenizeAsync);
        routes.MapPost("/detokenize", DetokenizeAsync);
    }

    private static async Task TokenizeAsync(HttpContext context)
    {
        var model = context.RequestServices.GetRequiredService<ILlmEngine>().Model;
        var request = await RequestJson.ReadAsync(context, TokenizeJsonContext.Default.TokenizeRequest);
        SamplingFields.CheckModel(request.Model, model);
        int[] ids;
        if (request.Prompt is not null && request.Messages is not null)
            throw ApiException.Invalid("messages", "Give either 'prompt' or 'messages', not both.");
        if (request.Prompt is { } prompt)
        {
            ids = model.Tokenizer.Encode(prompt, addSpecial: request.AddSpecialTokens ?? true);
        }
        else if (request.Messages is not null)
        {
            ids = ChatMessages.Encode(model, ChatMessages.Parse(request.Messages));
        }
        else
        {
            throw ApiException.Invalid("prompt", "Give 'prompt' (a string) or 'messages'.");
        }
        await context.Response.WriteAsJsonAsync(new TokenizeResponse(ids.Length, model.MaxContext, ids),
            TokenizeJsonContext.Default.TokenizeResponse, cancellationToken: context.RequestAborted);
    }

    private static async Task DetokenizeAsync(HttpContext context)
    {
        var model = context.RequestServices.GetRequiredService<ILlmEngine>().Model;
        var request = await RequestJson.ReadAsync(context, TokenizeJsonContext.Default.DetokenizeRequest);
        SamplingFields.CheckModel(request.Model, model);
        var tokens = request.Tokens ?? throw ApiException.Invalid("tokens", "'tokens' (an array of token ids) is missing.");
        int vocab = model.Tokenizer.VocabSize;
        for (int i = 0; i < tokens.Count; i++)
        {
            if ((uint)tokens[i] >= (uint)vocab)
                throw ApiException.Invalid($"tokens[{i}]", $"Invalid value for 'tokens[{i}]': token id {tokens[i]} is outside the vocabulary of {vocab} tokens.");
        }
        string text = model.Tokenizer.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(tokens));
        await context.Response.WriteAsJsonAsync(new DetokenizeResponse(text), TokenizeJsonContext.Default.DetokenizeResponse,
            cancellationToken: context.RequestAborted);
    }
}
