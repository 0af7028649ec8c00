// Bearer-key check for the API routes (/v1/*, /tokenize, /detokenize); /health and /metrics stay open.
// Keys are compared as SHA-256 digests with FixedTimeEquals, so neither content nor length leaks through timing.
using System.Security.Cryptography;
using System.Text;
using Meridian.Server.Errors;

namespace Meridian.Server.Hosting;

internal sealed class ApiKeyMiddleware
{
    private readonly RequestDelegate _next;
    private readonly byte[][] _keyHashes; // [keys][32] SHA-256 of each accepted key

    public ApiKeyMiddleware(RequestDelegate next, ServerOptions options)
    {
        _next = next;
        _keyHashes = options.ApiKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (_keyHashes.Length == 0 || !IsProtected(context.Request.Path) || Authorized(context.Request.Headers.Authorization.ToString()))
            return _next(context);
        return ErrorWriter.WriteAsync(context, StatusCodes.Status401Unauthorized, new ErrorDetail(
            "Incorrect or missing API key: send it as the header 'Authorization: Bearer <key>'.",
            ErrorTypes.InvalidRequest, null, "invalid_api_key"));
    }

    internal static bool IsProtected(PathString path) =>
        path.StartsWithSegments("/v1") || path.StartsWithSegments("/tokenize") || path.StartsWithSegments("/detokenize");

    private bool Authorized(string header)
    {
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        Span<byte> given = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), given);
        bool ok = false;
        foreach (var key in _keyHashes)
            ok |= CryptographicOperations.FixedTimeEquals(given, key); // no early exit: every key is compared
        return ok;
    }
}
