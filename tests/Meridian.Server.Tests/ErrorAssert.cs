// Checks an error response against OpenAI's shape: status, {"error": {"message", "type", "param", "code"}}.
using System.Text.Json;

namespace Meridian.Server.Tests;

internal static class ErrorAssert
{
    /// <summary>Asserts status, type, param and code, and that the message mentions each of <paramref name="mentions"/>; returns the message.</summary>
    public static async Task<string> IsAsync(HttpResponseMessage response, int status, string type, string? param, string? code = null, params string[] mentions)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var error = root.GetProperty("error");
        // Exactly OpenAI's four fields, param and code present even when null.
        Assert.Equal(["code", "message", "param", "type"], error.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").ValueKind == JsonValueKind.Null ? null : error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").ValueKind == JsonValueKind.Null ? null : error.GetProperty("code").GetString());
        string message = error.GetProperty("message").GetString()!;
        foreach (var m in mentions)
            Assert.Contains(m, message);
        return message;
    }
}
