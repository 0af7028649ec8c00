// GET /v1/models (the one served model, OpenAI's list shape) and GET /v1/models/{id}.
using System.Text.Json.Serialization;
using Meridian.Engine.Serving;
using Meridian.Server.Errors;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Meridian.Server.Models;

internal static class ModelsEndpoint
{
    public static void MapModels(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/models", context =>
        {
            var model = Card(context);
            return context.Response.WriteAsJsonAsync(new ModelList("list", [model]), ModelsJsonContext.Default.ModelList, cancellationToken: context.RequestAborted);
        });
        routes.MapGet("/v1/models/{id}", context =>
        {
            var model = Card(context);
            string id = (string)context.GetRouteValue("id")!;
            if (id != model.Id)
                throw ApiException.ModelNotFound(id);
            return context.Response.WriteAsJsonAsync(model, ModelsJsonContext.Default.ModelCard, cancellationToken: context.RequestAborted);
        });
    }

    private static ModelCard Card(HttpContext context)
    {
        var model = context.RequestServices.GetRequiredService<ILlmEngine>().Model;
        return new ModelCard(model.Name, "model", model.CreatedUnixSeconds, "meridian", model.MaxContext);
    }
}

internal sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

/// <summary>OpenAI's model object plus vLLM's max_model_len.</summary>
internal sealed record ModelCard(string Id, string Object, long Created, string OwnedBy, int MaxModelLen);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelCard))]
internal sealed partial class ModelsJsonContext : JsonSerializerContext;
