// The JSON body of one benchmark request: streamed, greedy (temperature 0, a fixed seed), max_tokens with
// ignore_eos (a vLLM extension, so random-weight models still generate the full count) and the final usage chunk
// asked for (stream_options.include_usage).
using System.Text.Json;

namespace Meridian.Cli.Bench.Serve;

internal static class ServeRequestBody
{
    public static byte[] Write(string model, string prompt, int maxTokens, int seed, bool chat)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            if (chat)
            {
                json.WriteStartArray("messages");
                json.WriteStartObject();
                json.WriteString("role", "user");
                json.WriteString("content", prompt);
                json.WriteEndObject();
                json.WriteEndArray();
            }
            else
            {
                json.WriteString("prompt", prompt);
            }
            json.WriteNumber("max_tokens", maxTokens);
            json.WriteNumber("temperature", 0);
            json.WriteNumber("seed", seed);
            json.WriteBoolean("ignore_eos", true);
            json.WriteBoolean("stream", true);
            json.WriteStartObject("stream_options");
            json.WriteBoolean("include_usage", true);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
