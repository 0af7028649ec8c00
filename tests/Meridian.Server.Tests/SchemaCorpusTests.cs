// The structured-output corpus (Fixtures/schema-corpus; SOURCES.md there says where each of its 250 real-world schemas
// comes from) through the whole server on the bundled demo model: for every schema, seeded sampled replies under
// response_format json_schema until three have finished (eight at most). Every finished reply parses and validates
// against its schema with JsonSchema.Net 8.0.5 (the independent validator); a reply cut off by max_tokens is still the
// start of a JSON text; or the request is refused with a 400 that names what cannot be enforced. The counts per
// collection are printed; ratchets keep the number supported from falling.
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Meridian.Backends.Cpu;
using Meridian.Engine.Serving;
using Meridian.Tests.Shared;
using Xunit.Abstractions;

namespace Meridian.Server.Tests;

public sealed class SchemaCorpusTests(ITestOutputHelper output)
{
    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "Fixtures", "schema-corpus");
    private const int Seeds = 3, MaxSeeds = 8;
    private const int MaxTokens = 4000;

    [Fact]
    public async Task EveryCorpusSchema_SeededReplies_ValidateWithJsonSchemaNet_OrAreRefusedByName()
    {
        // The demo model's context is 256 tokens; the engine runs it longer (positions past training only make its
        // text stranger, which is what a grammar must hold against anyway).
        await using var server = await RealEngineTests.RealServer.StartAsync(new CpuDevice(threads: 2), TimeSpan.FromMinutes(20),
            new LlmEngineOptions { ModelName = DemoModel.Name, MaxContext = 6144 });
        var files = Directory.GetFiles(Corpus, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 200, $"the corpus holds {files.Count} schemas");
        var supported = new ConcurrentDictionary<string, int>();
        var refused = new ConcurrentDictionary<string, int>();
        var reasons = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<string>();
        var cut = new ConcurrentQueue<string>();
        var unfinished = new ConcurrentQueue<string>();
        long replies = 0, tokens = 0;
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (file, _) =>
        {
            string collection = Path.GetFileName(Path.GetDirectoryName(file)!);
            string name = $"{collection}/{Path.GetFileName(file)}";
            string text = await File.ReadAllTextAsync(file);
            JsonSchema validator;
            try
            {
                validator = JsonSchema.FromText(ForValidator(text), new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft202012 });
            }
            catch (JsonSchemaException e)
            {
                failures.Enqueue($"{name}: JsonSchema.Net cannot read the schema ({e.Message})");
                return;
            }
            int finished = 0;
            for (int seed = 0; seed < MaxSeeds && finished < Seeds; seed++)
            {
                using var response = await server.Host.PostJsonAsync("v1/chat/completions", Request(text, seed));
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                if ((int)response.StatusCode == 400)
                {
                    string message = body.RootElement.GetProperty("error").GetProperty("message").GetString()!;
                    if (seed > 0 || !message.Contains("Meridian refuses the schema", StringComparison.Ordinal))
                        failures.Enqueue($"{name}, seed {seed}: 400 {message}");
                    refused.AddOrUpdate(collection, 1, (_, n) => n + 1);
                    reasons.AddOrUpdate(Reason(message), 1, (_, n) => n + 1);
                    return;
                }
                if ((int)response.StatusCode != 200)
                {
                    failures.Enqueue($"{name}, seed {seed}: {(int)response.StatusCode} {body.RootElement}");
                    return;
                }
                var choice = body.RootElement.GetProperty("choices")[0];
                string reply = choice.GetProperty("message").GetProperty("content").GetString()!;
                Interlocked.Increment(ref replies);
                Interlocked.Add(ref tokens, body.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
                string finish = choice.GetProperty("finish_reason").GetString()!;
                if (finish == "length")
                {
                    // Cut off by max_tokens: the start of a JSON text (System.Text.Json finds no error in it so far).
                    if (!JsonOutput.IsPrefix(reply))
                        failures.Enqueue($"{name}, seed {seed}: cut off, and not the start of a JSON text: {reply}");
                    cut.Enqueue($"{name}, seed {seed}");
                    continue;
                }
                if (finish != "stop")
                {
                    failures.Enqueue($"{name}, seed {seed}: finish_reason {finish}");
                    return;
                }
                JsonDocument instance;
                try
                {
                    instance = JsonDocument.Parse(reply);
                }
                catch (JsonException e)
                {
                    failures.Enqueue($"{name}, seed {seed}: the reply does not parse ({e.Message}): {reply}");
                    return;
                }
                using (instance)
                {
                    var result = validator.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
                    if (!result.IsValid)
                    {
                        string errors = string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
                        failures.Enqueue($"{name}, seed {seed}: JsonSchema.Net finds the reply invalid ({errors}): {reply}");
                        return;
                    }
                }
                finished++;
            }
            if (finished < Seeds)
                unfinished.Enqueue($"{name} ({finished} of {MaxSeeds} replies finished)");
            if (finished == 0)
                return; // compiled, but nothing to validate: not counted as supported
            supported.AddOrUpdate(collection, 1, (_, n) => n + 1);
        });


        int total = supported.Values.Sum();
        output.WriteLine($"{files.Count} schemas: {total} supported (compiled, replies finished and every one validated), {refused.Values.Sum()} refused by name; "
            + $"{replies} replies, {tokens} tokens, {cut.Count} cut off by max_tokens (each the start of a JSON text)");
        foreach (string c in files.Select(f => Path.GetFileName(Path.GetDirectoryName(f)!)).Distinct())
            output.WriteLine($"  {c}: {supported.GetValueOrDefault(c)} supported, {refused.GetValueOrDefault(c)} refused");
        foreach (var (why, n) in reasons.OrderByDescending(r => r.Value))
            output.WriteLine($"  refused {n}x: {why}");
        foreach (string u in unfinished)
            output.WriteLine($"  fewer than {Seeds} replies finished within {MaxTokens} tokens: {u}");
        foreach (string f in failures.Take(20))
            output.WriteLine("FAIL " + f);
        Assert.True(failures.IsEmpty, $"{failures.Count} failures; the first: {failures.FirstOrDefault()}");
        // Ratchets, as when this was written: 223 of 250 supported. Two more compile but have no reply that finishes,
        // for reasons of size and of the demo model, not of the grammar: Kubernetes/kb_1161 requires all 587
        // Kubernetes definitions at once, and Snowplow/sp_204 a version string "1.2.3" the Bible model does not write.
        Assert.True(total >= 223, $"only {total} of {files.Count} schemas supported; 223 were");
        Assert.True(unfinished.Count <= 2, $"{unfinished.Count} schemas without {Seeds} finished replies: {string.Join("; ", unfinished)}");
        Assert.All(unfinished, u => Assert.True(u.StartsWith("Kubernetes/kb_1161", StringComparison.Ordinal) || u.StartsWith("Snowplow/sp_204", StringComparison.Ordinal), u));
    }

    private static string Request(string schema, int seed) => new JsonObject
    {
        ["model"] = DemoModel.Name,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Fill in the form as JSON." }),
        ["response_format"] = new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject { ["name"] = "corpus", ["strict"] = true, ["schema"] = JsonNode.Parse(schema) },
        },
        ["seed"] = seed,
        ["temperature"] = 1.0,
        ["max_tokens"] = MaxTokens,
        ["logit_bias"] = Closing,
    }.ToJsonString();

    // The demo model learned the King James Bible, which has no quotation marks or brackets: left alone it writes a
    // string until max_tokens, or never writes the '/', '-' or "1.2.3" a pattern needs, or adds optional properties
    // and items without end. A logit_bias (the OpenAI request field) lets replies end: most on the quote that ends a
    // string, then on the brackets that close, then on what patterns and formats ask for ('/', '.', '-', ':', '@',
    // digits), and against commas. The grammar still decides which tokens may come; the model picks among them.
    private static JsonObject Closing
    {
        get
        {
            var tok = DemoModel.Tokenizer;
            var bias = new JsonObject();
            for (int id = 0; id < tok.VocabSize; id++)
            {
                string text = tok.Decode([id]);
                float? value = text.Contains(',', StringComparison.Ordinal) ? -10 : text.Length != 1 ? null : text[0] switch
                {
                    '"' => 15,
                    '}' or ']' => 12,
                    '/' or '.' or '-' or ':' or '@' => 10,
                    >= '0' and <= '9' => 4,
                    _ => null,
                };
                if (value is { } v)
                    bias[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = v;
            }
            return bias;
        }
    }

    // "JSON Schema at #/x: the keyword 'not' cannot be enforced" -> "the keyword 'not'".
    private static string Reason(string message)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message, @"JSON Schema at \S+: (.*?) cannot be enforced");
        if (m.Success)
            return m.Groups[1].Value;
        m = System.Text.RegularExpressions.Regex.Match(message, @"(\w+)' at [^:]*: .*?: (.*?) is not supported");
        return m.Success ? $"'{m.Groups[1].Value}' with {m.Groups[2].Value}" : message;
    }

    // JsonSchema.Net reads drafts 6 to 2020-12. A draft 4 schema differs from draft 6 in two spellings, rewritten here
    // as the draft 6 specification's migration notes give them: a boolean exclusiveMinimum or exclusiveMaximum turns
    // minimum or maximum exclusive, and 'id' is '$id'; the ids are dropped (JsonSchema.Net 8 refuses to register a
    // draft 6 root under its own $id), which leaves every '#/...' reference pointing where Meridian's compiler reads
    // it, at the document root.
    private static string ForValidator(string text)
    {
        var node = JsonNode.Parse(text)!;
        if (node is JsonObject root && root["$schema"]?.GetValue<string>() is { } dialect && dialect.Contains("draft-04", StringComparison.Ordinal))
        {
            Rewrite(root);
            root["$schema"] = "http://json-schema.org/draft-06/schema#";
        }
        return node.ToJsonString();

        static void Rewrite(JsonNode? n)
        {
            if (n is JsonArray a)
            {
                foreach (var item in a)
                    Rewrite(item);
                return;
            }
            if (n is not JsonObject o)
                return;
            if (o["id"] is JsonValue id && id.GetValueKind() == JsonValueKind.String)
                o.Remove("id");
            if (o["$schema"] is JsonValue nested && nested.GetValueKind() == JsonValueKind.String && nested.GetValue<string>().Contains("draft-04", StringComparison.Ordinal))
                o.Remove("$schema");
            foreach (var (flag, bound) in new[] { ("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum") })
            {
                if (o[flag] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
                {
                    o.Remove(flag);
                    if (v.GetValueKind() == JsonValueKind.True && o[bound] is { } b)
                    {
                        o.Remove(bound);
                        o[flag] = b;
                    }
                }
            }
            foreach (var (_, child) in o.ToList())
                Rewrite(child);
        }
    }
}
