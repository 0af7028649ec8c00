// A fake OpenAI-compatible server on 127.0.0.1 (System.Net.HttpListener, a free port) for testing `meridian bench
// serve` without a model: GET /v1/models lists "fake-model"; POST /v1/completions and /v1/chat/completions stream
// what the script says for the n-th request (1-based, warm-up included), and every request body is kept.
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Meridian.Cli.Tests.Bench.Serve;

internal sealed class FakeOpenAiServer : IDisposable
{
    public const string ModelName = "fake-model";

    private const int MinThreads = 32;

    private readonly HttpListener _listener;
    private readonly Func<int, FakeStream> _script;
    private readonly Task _loop;
    private int _requests;

    public FakeOpenAiServer(Func<int, FakeStream> script)
    {
        // Server and client share this process's thread pool, and blocking calls tie up its threads (HttpListener's
        // synchronous paths, the in-process CLI waiting for its run). With the pool's default minimum (one thread per
        // core) on a 2-core machine, requests then wait up to a second for the pool to grow, seen as scripted 20 ms
        // gaps measured at 800 ms. A separate server process has no such coupling; here, start with enough threads.
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, MinThreads), Math.Max(io, MinThreads));
        _script = script;
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                Url = $"http://127.0.0.1:{port}";
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // another process took the port between FreePort and Start: try another
            }
        }
        _loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:41234 (no trailing slash).</summary>
    public string Url { get; }

    /// <summary>Bodies of the POSTed completion requests, in arrival order, with the path they came to.</summary>
    public ConcurrentQueue<(string Path, JsonElement Body)> Requests { get; } = new();

    /// <summary>Text chunks written to successful streams in all.</summary>
    public int ChunksServed => _chunksServed;

    private int _chunksServed;

    /// <summary>A port nothing listens on (bound once by the OS, then released).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            string path = context.Request.Url!.AbsolutePath;
            if (context.Request.HttpMethod == "GET" && path == "/v1/models")
            {
                await WriteAsync(response, 200, "application/json", $$"""{"object":"list","data":[{"id":"{{ModelName}}","object":"model"}]}""");
                return;
            }
            bool chat = path == "/v1/chat/completions";
            if (context.Request.HttpMethod != "POST" || !(chat || path == "/v1/completions"))
            {
                await WriteAsync(response, 404, "application/json", """{"error":{"message":"no such route"}}""");
                return;
            }
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                Requests.Enqueue((path, JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone()));
            var script = _script(Interlocked.Increment(ref _requests));
            if (script.Status != 200)
            {
                await WriteAsync(response, script.Status, "application/json", """{"error":{"message":"scripted failure","type":"server_error"}}""");
                return;
            }
            await StreamAsync(response, script, chat);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            // the client went away or the server is stopping
        }
    }

    private async Task StreamAsync(HttpListenerResponse response, FakeStream script, bool chat)
    {
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.SendChunked = true;
        var output = response.OutputStream;
        if (chat) // the role chunk vLLM sends first carries no text: it must not count as the first token
            await SendAsync(output, """{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}""");
        await Task.Delay(script.FirstDelayMs);
        for (int i = 0; i < script.Chunks; i++)
        {
            if (script.Ending == FakeStream.End.Cut && i == script.Chunks / 2)
            {
                response.Abort();
                return;
            }
            if (i > 0)
                await Task.Delay(script.GapMs);
            string piece = $"tok{i} ";
            await SendAsync(output, chat
                ? $$"""{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"{{piece}}"},"finish_reason":null}],"usage":null}"""
                : $$"""{"object":"text_completion","choices":[{"index":0,"text":"{{piece}}","finish_reason":null}],"usage":null}""");
            Interlocked.Increment(ref _chunksServed);
        }
        if (script.UsageTokens is { } usage)
            await SendAsync(output, $$$"""{"object":"text_completion","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":{{{usage}}},"total_tokens":{{{9 + usage}}}}}""");
        switch (script.Ending)
        {
            case FakeStream.End.Malformed:
                await SendAsync(output, "{not json");
                break;
            case FakeStream.End.ErrorChunk:
                await SendAsync(output, """{"error":{"message":"scripted mid-stream failure","type":"server_error"}}""");
                break;
            case FakeStream.End.NotSse:
                await SendRawAsync(output, "hello there\n\n");
                break;
        }
        if (script.Ending != FakeStream.End.NoDone)
            await SendRawAsync(output, "data: [DONE]\n\n");
        response.Close();
    }

    private static Task SendAsync(Stream output, string json) => SendRawAsync(output, $"data: {json}\n\n");

    private static async Task SendRawAsync(Stream output, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        await output.WriteAsync(bytes);
        await output.FlushAsync();
    }

    private static async Task WriteAsync(HttpListenerResponse response, int status, string contentType, string body)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }
}
