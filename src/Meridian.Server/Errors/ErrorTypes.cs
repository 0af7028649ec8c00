// The error "type" strings OpenAI's API uses (and clients switch on).
namespace Meridian.Server.Errors;

internal static class ErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string RateLimit = "rate_limit_error";
    public const string Server = "server_error";
    public const string Timeout = "timeout_error";
}
