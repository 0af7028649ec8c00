// `meridian serve [--model PATH] [--host 127.0.0.1] [--port 8080] [...]`: the OpenAI-compatible server
// (Meridian.Server) over the batching engine (Meridian.Engine.Serving.LlmEngine) on the CPU backend.
using System.CommandLine;
using Meridian.Cli.Run;
using Meridian.Core.Tensors;
using Meridian.Engine.Serving;
using Meridian.Server;
using Meridian.Tokenizers.Templates;
using Microsoft.Extensions.Hosting;

namespace Meridian.Cli.Serve;

internal static class ServeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string?>("--model", "-m") { Description = "A GGUF file, a Hugging Face model directory or a llama2.c checkpoint (default: the bundled demo model)" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Vocabulary for models without one (llama2.c tokenizer.bin, tokenizer.json)" };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port (0 = any free port)", DefaultValueFactory = _ => 8080 };
        var name = new Option<string?>("--served-model-name") { Description = "Model name clients send and /v1/models lists (default: the model file's name)" };
        var apiKey = new Option<string[]>("--api-key") { Description = "Require `Authorization: Bearer KEY` on /v1 routes (repeatable)", AllowMultipleArgumentsPerToken = false };
        var apiKeysFile = new Option<string?>("--api-keys-file") { Description = "File with one API key per line (# comments and blank lines ignored)" };
        var maxRunning = new Option<int>("--max-running") { Description = "Most requests decoded together", DefaultValueFactory = _ => 32 };
        var maxQueue = new Option<int>("--max-queue") { Description = "Most requests waiting; more get 429", DefaultValueFactory = _ => 256 };
        var kvMemory = new Option<string?>("--kv-memory") { Description = "KV cache size, e.g. 2GiB or 512MiB (default: MaxRunning full contexts, at most 2 GiB)" };
        var kvBlocks = new Option<int?>("--kv-blocks") { Description = "KV cache size in blocks (instead of --kv-memory)" };
        var blockSize = new Option<int>("--block-size") { Description = "Positions per KV block", DefaultValueFactory = _ => 16 };
        var maxContext = new Option<int?>("--max-context") { Description = "Context limit per request (default: the model's)" };
        var maxBatchTokens = new Option<int>("--max-batch-tokens") { Description = "Token budget of one engine step (decodes + prompt chunks)", DefaultValueFactory = _ => 128 };
        var noPrefixCache = new Option<bool>("--no-prefix-caching") { Description = "Do not share KV blocks between requests with the same prompt prefix" };
        var device = new DeviceFlags();
        var grace = new Option<int>("--shutdown-grace") { Description = "Seconds in-flight requests may finish after Ctrl-C / SIGTERM", DefaultValueFactory = _ => 10 };
        var command = new Command("serve", "Serve a model over an OpenAI-compatible HTTP API")
        {
            model, tokenizer, host, port, name, apiKey, apiKeysFile, maxRunning, maxQueue, kvMemory, kvBlocks, blockSize,
            maxContext, maxBatchTokens, noPrefixCache, grace,
        };
        device.AddTo(command);
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            var keys = ApiKeys(parse.GetValue(apiKey) ?? [], parse.GetValue(apiKeysFile));
            var serverOptions = new ServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                ApiKeys = keys,
                ShutdownGrace = TimeSpan.FromSeconds(parse.GetValue(grace)),
            };
            long? kvBytes = parse.GetValue(kvMemory) is { } size ? ByteSize.Parse(size, "--kv-memory") : null;
            string? modelPath = parse.GetValue(model);
            var engineOptions = new LlmEngineOptions
            {
                ModelName = parse.GetValue(name) ?? ModelName(modelPath),
                BlockSize = parse.GetValue(blockSize),
                KvBlocks = parse.GetValue(kvBlocks),
                KvMemoryBytes = kvBytes,
                MaxRunning = parse.GetValue(maxRunning),
                MaxQueue = parse.GetValue(maxQueue),
                MaxBatchTokens = parse.GetValue(maxBatchTokens),
                MaxContext = parse.GetValue(maxContext),
                EnablePrefixCaching = !parse.GetValue(noPrefixCache),
            };
            Validate(serverOptions.Validate, engineOptions.Validate);

            using var loaded = LoadedModel.Open(modelPath, parse.GetValue(tokenizer), device.Parse(parse), stderr,
                kvCacheBytes: (context, perToken) => LlmEngine.KvCacheBytes(engineOptions, context, perToken));
            var tok = loaded.Tokenizer;
            var template = tok.Spec.ChatTemplate is { } source ? ChatTemplate.Parse(source, "chat template") : null;
            if (template is null)
                stderr.WriteLine("meridian: the model has no chat template; chat requests use ChatML");
            if (engineOptions.MaxContext > loaded.Model.ContextLength)
                stderr.WriteLine($"meridian: warning: --max-context {engineOptions.MaxContext} is beyond the {loaded.Model.ContextLength} positions the model was trained for");
            using var engine = new LlmEngine(loaded.Model, tok, template, engineOptions);
            using var app = MeridianServer.Build(engine, serverOptions); // disposed before the engine: its host services (metrics) stop first
            app.StartAsync().GetAwaiter().GetResult();
            stderr.WriteLine($"meridian: serving {engine.Model.Name} on {string.Join(", ", app.Urls)} " +
                $"(device {loaded.Model.Device.Name}, context {engine.MaxContext}, KV cache {engine.NumBlocks} blocks of {engineOptions.BlockSize} in {loaded.Model.KvType.Name()}, " +
                $"max running {engineOptions.MaxRunning}{(keys.Count > 0 ? $", {keys.Count} API key(s)" : "")}); Ctrl-C stops");
            app.WaitForShutdownAsync().GetAwaiter().GetResult();
            stderr.WriteLine("meridian: stopped");
            return 0;
        }));
        return command;
    }

    private static void Validate(params Action[] checks)
    {
        foreach (var check in checks)
        {
            try
            {
                check();
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(e.Message);
            }
        }
    }

    private static string ModelName(string? path) =>
        path is null ? "meridian-demo" : Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(path));

    private static List<string> ApiKeys(string[] keys, string? file)
    {
        var result = new List<string>();
        foreach (string key in keys)
        {
            if (string.IsNullOrWhiteSpace(key))
                throw new CliUsageException("--api-key must not be empty");
            result.Add(key.Trim());
        }
        if (file is not null)
        {
            if (!File.Exists(file))
                throw new CliUsageException($"--api-keys-file: no such file: {file}");
            foreach (string line in File.ReadLines(file))
            {
                string key = line.Trim();
                if (key.Length > 0 && !key.StartsWith('#'))
                    result.Add(key);
            }
            if (result.Count == 0)
                throw new CliUsageException($"--api-keys-file {file} holds no keys");
        }
        return result;
    }
}
