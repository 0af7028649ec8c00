// An error the API answers in OpenAI's shape; thrown anywhere below the endpoints, written by ErrorMiddleware.
namespace Meridian.Server.Errors;

/// <summary>A failed request: HTTP status plus OpenAI's error fields (type, param, code).</summary>
internal sealed class ApiException(int status, string message, string type, string? param = null, string? code = null)
    : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string? Param { get; } = param;

    public string? Code { get; } = code;

    /// <summary>Seconds for a Retry-After header (429), or null.</summary>
    public int? RetryAfterSeconds { get; init; }

    public ErrorDetail ToDetail() => new(Message, Type, Param, Code);

    /// <summary>400 invalid_request_error naming <paramref name="param"/>.</summary>
    public static ApiException Invalid(string? param, string message) =>
        new(StatusCodes.Status400BadRequest, message, ErrorTypes.InvalidRequest, param);

    /// <summary>404 model_not_found, as OpenAI and vLLM answer a model they do not serve.</summary>
    public static ApiException ModelNotFound(string model) =>
        new(StatusCodes.Status404NotFound, $"The model `{model}` does not exist.", ErrorTypes.InvalidRequest, "model", "model_not_found");
}
