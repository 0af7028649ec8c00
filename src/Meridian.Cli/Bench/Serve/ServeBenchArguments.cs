// The options of `meridian bench serve`, declared once; Read turns a parse into checked ServeBenchOptions or the
// first problem with them, named by its flag.
using System.CommandLine;
using System.Globalization;

namespace Meridian.Cli.Bench.Serve;

internal sealed class ServeBenchArguments
{
    private readonly Option<string> _url = new("--url") { Description = "The server's base URL (requests go to URL/v1/...)", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
    private readonly Option<string?> _apiKey = new("--api-key") { Description = "Sent as 'Authorization: Bearer KEY'" };
    private readonly Option<string?> _model = new("--model") { Description = "Model name to request (default: the first of GET /v1/models)" };
    private readonly Option<string> _clients = new("--clients") { Description = "Concurrent streaming clients, comma-separated; each count runs in turn", DefaultValueFactory = _ => "1,4,16,64" };
    private readonly Option<double> _duration = new("--duration") { Description = "Seconds each client count runs (in-flight requests then finish)", DefaultValueFactory = _ => 30 };
    private readonly Option<int> _maxTokens = new("--max-tokens") { Description = "max_tokens of every request (sent with ignore_eos, so all are generated)", DefaultValueFactory = _ => 128 };
    private readonly Option<int> _promptWords = new("--prompt-words") { Description = "Words in each (distinct) prompt", DefaultValueFactory = _ => 32 };
    private readonly Option<string> _endpoint = new("--endpoint") { Description = "completions (/v1/completions) or chat (/v1/chat/completions)", DefaultValueFactory = _ => "completions" };
    private readonly Option<int> _seed = new("--seed") { Description = "Seed of the prompts and of the requests' sampling (temperature 0)", DefaultValueFactory = _ => 1 };
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object instead of the table" };
    private readonly Option<int> _warmup = new("--warmup") { Description = "Untimed requests sent one by one before measuring", DefaultValueFactory = _ => 1 };
    private readonly Option<double> _timeout = new("--timeout") { Description = "Seconds after which an unfinished request counts as failed", DefaultValueFactory = _ => 300 };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _url, _apiKey, _model, _clients, _duration, _maxTokens, _promptWords, _endpoint, _seed, _json, _warmup, _timeout })
            command.Options.Add(option);
    }

    /// <summary>The options as given, or the first problem with them.</summary>
    public (ServeBenchOptions? Options, string? Error) Read(ParseResult parse)
    {
        string url = parse.GetValue(_url)!;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return (null, $"--url wants an absolute http:// or https:// URL, got '{url}'");
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            return (null, $"--url is a base URL without '?' or '#', got '{url}'");

        var clients = new List<int>();
        foreach (string c in parse.GetValue(_clients)!.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                return (null, $"--clients wants comma-separated client counts of at least 1, got '{c}'");
            clients.Add(n);
        }

        double duration = parse.GetValue(_duration);
        if (!(duration > 0) || double.IsInfinity(duration))
            return (null, $"--duration must be a positive number of seconds, got {Invariant(duration)}");
        int maxTokens = parse.GetValue(_maxTokens);
        if (maxTokens < 1)
            return (null, $"--max-tokens must be at least 1, got {maxTokens}");
        int promptWords = parse.GetValue(_promptWords);
        if (promptWords < 1)
            return (null, $"--prompt-words must be at least 1, got {promptWords}");
        string endpoint = parse.GetValue(_endpoint)!;
        if (endpoint is not ("completions" or "chat"))
            return (null, $"--endpoint is completions or chat, not '{endpoint}'");
        int warmup = parse.GetValue(_warmup);
        if (warmup < 0)
            return (null, $"--warmup must be 0 or more, got {warmup}");
        double timeout = parse.GetValue(_timeout);
        if (!(timeout > 0) || double.IsInfinity(timeout))
            return (null, $"--timeout must be a positive number of seconds, got {Invariant(timeout)}");
        if (parse.GetValue(_model) is { } model && string.IsNullOrWhiteSpace(model))
            return (null, "--model is empty");

        return (new ServeBenchOptions(uri, parse.GetValue(_apiKey), parse.GetValue(_model), [.. clients], duration, maxTokens, promptWords,
            endpoint == "chat", parse.GetValue(_seed), parse.GetValue(_json), warmup, timeout), null);
    }

    private static string Invariant(double x) => x.ToString(CultureInfo.InvariantCulture);
}
