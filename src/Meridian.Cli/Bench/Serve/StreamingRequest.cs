// One request of `meridian bench serve`: POSTs a streaming completion and reads the OpenAI SSE stream line by line
// (`data: {chunk}`, a usage chunk, `data: [DONE]`), timing the first and last chunk with text. Every way it can go
// wrong (status, malformed line or chunk, error chunk, no [DONE], timeout, socket) is a failed sample, not an exception.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Meridian.Cli.Bench.Serve;

internal static class StreamingRequest
{
    private const int SnippetChars = 160;

    /// <summary>Sends <paramref name="body"/> to <paramref name="endpoint"/> and reads the stream to its end.</summary>
    /// <param name="chat">Chunks carry text in choices[i].delta.content (chat) rather than choices[i].text.</param>
    /// <param name="timeout">The whole request, from send to [DONE].</param>
    /// <param name="cancel">Only for giving up the whole run; a request cut by it throws OperationCanceledException.</param>
    public static async Task<RequestSample> SendAsync(HttpClient http, Uri endpoint, byte[] body, bool chat, TimeSpan timeout, CancellationToken cancel)
    {
        var stream = new StreamState();
        long sentAt = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        string? error;
        try
        {
            error = await ReadAsync(http, endpoint, body, chat, stream, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            error = $"no complete response within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s{ChunksRead(stream)}";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            error = $"{ex.GetType().Name}: {Describe(ex)}{ChunksRead(stream)}";
        }
        long endedAt = Stopwatch.GetTimestamp();
        int tokens = stream.UsageTokens ?? stream.TextChunks;
        return new RequestSample(sentAt, endedAt, stream.FirstTokenAt, stream.LastTokenAt, tokens, error);
    }

    private sealed class StreamState
    {
        public int Chunks;
        public int TextChunks;
        public int? UsageTokens;
        public long? FirstTokenAt;
        public long? LastTokenAt;
    }

    // Null when the stream ended with [DONE] and every line before it was well formed; otherwise the reason.
    private static async Task<string?> ReadAsync(HttpClient http, Uri endpoint, byte[] body, bool chat, StreamState state, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Accept.Add(new("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            string text = await response.Content.ReadAsStringAsync(ct);
            return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Snippet(text)}";
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0 || line.StartsWith(':') || line.StartsWith("event:", StringComparison.Ordinal)
                || line.StartsWith("id:", StringComparison.Ordinal) || line.StartsWith("retry:", StringComparison.Ordinal))
                continue; // event separators, comments (keep-alives) and fields the protocol does not use
            if (!line.StartsWith("data:", StringComparison.Ordinal))
                return $"malformed stream: expected 'data: ...' lines, got '{Snippet(line)}'";
            string data = line.AsSpan(5).StartsWith(" ") ? line[6..] : line[5..];
            if (data == "[DONE]")
                return null;
            state.Chunks++;
            if (ReadChunk(data, chat, state) is { } problem)
                return problem;
        }
        return $"the stream ended without 'data: [DONE]' after {state.Chunks} chunks";
    }

    // One chunk: records its text (timed now) and usage; the reason it is malformed or an error, else null.
    private static string? ReadChunk(string data, bool chat, StreamState state)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(data);
        }
        catch (JsonException ex)
        {
            return $"malformed chunk ({ex.Message.Split('.')[0]}): '{Snippet(data)}'";
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return $"malformed chunk: not a JSON object: '{Snippet(data)}'";
            if (root.TryGetProperty("error", out var err) && err.ValueKind != JsonValueKind.Null)
                return $"error chunk: {Snippet(err.ValueKind == JsonValueKind.Object && err.TryGetProperty("message", out var m) ? m.ToString() : err.GetRawText())}";

            bool hasChoices = root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array;
            bool hasUsage = root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object;
            if (!hasChoices && !hasUsage)
                return $"malformed chunk: neither 'choices' nor 'usage': '{Snippet(data)}'";
            if (hasUsage)
            {
                if (!usage.TryGetProperty("completion_tokens", out var n) || !n.TryGetInt32(out int tokens) || tokens < 0)
                    return $"malformed usage chunk: no usable 'completion_tokens': '{Snippet(data)}'";
                state.UsageTokens = tokens;
            }
            if (hasChoices && choices.EnumerateArray().Any(c => HasText(c, chat)))
            {
                long now = Stopwatch.GetTimestamp();
                state.FirstTokenAt ??= now;
                state.LastTokenAt = now;
                state.TextChunks++;
            }
            return null;
        }
    }

    private static bool HasText(JsonElement choice, bool chat)
    {
        if (choice.ValueKind != JsonValueKind.Object)
            return false;
        var holder = choice;
        if (chat && !(choice.TryGetProperty("delta", out holder) && holder.ValueKind == JsonValueKind.Object))
            return false;
        return holder.TryGetProperty(chat ? "content" : "text", out var text) && text.ValueKind == JsonValueKind.String && text.GetString()!.Length > 0;
    }

    private static string ChunksRead(StreamState stream) => stream.Chunks > 0 ? $" after {stream.Chunks} chunks" : "";

    private static string Describe(Exception ex) =>
        ex.InnerException is { } inner && !ex.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{ex.Message} ({inner.Message})" : ex.Message;

    /// <summary>A server reply quoted in a message: one line, at most SnippetChars characters.</summary>
    internal static string Snippet(string text)
    {
        string one = text.ReplaceLineEndings(" ").Trim();
        return one.Length <= SnippetChars ? one : one[..SnippetChars] + "...";
    }
}
