// Splits a server-sent-event body into its data payloads, checking the framing ("data: X\n\n" and nothing else).
namespace Meridian.Server.Tests;

internal static class Sse
{
    public static string[] Parse(string body)
    {
        Assert.EndsWith("\n\n", body);
        var events = body[..^2].Split("\n\n");
        foreach (var e in events)
        {
            Assert.StartsWith("data: ", e);
            Assert.DoesNotContain('\n', e);
        }
        return events.Select(e => e["data: ".Length..]).ToArray();
    }
}
