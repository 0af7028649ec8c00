// Structured output through the engine on the small random model: every finished output of a json_object request is
// a JSON object (System.Text.Json parses it), an unfinished one is still a valid JSON prefix, a regex request's text
// matches the pattern (.NET's regex as the independent check), batching never changes a constrained request's
// tokens, nor does computing the next mask during the forward pass, and a pattern that cannot be enforced is refused
// at Submit naming the construct.
using Meridian.Tests.Shared;
using System.Text;
using System.Text.Json;
using Meridian.Engine.Sampling;
using Meridian.Engine.Serving;
using Meridian.Grammar.Constraints;

namespace Meridian.Engine.Tests.Serving;

public sealed class ConstrainedGenerationTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    // The random model rarely picks EOS on its own; a bias makes it end soon after the object may end.
    private SamplingOptions Sampled(int seed, int maxTokens = 300) => new()
    {
        Temperature = 1f, Seed = (ulong)seed, MaxTokens = maxTokens,
        LogitBias = fx.Tokenizer.EndOfGenerationIds.ToDictionary(id => id, _ => 4f),
    };

    [Fact]
    public async Task JsonObject_SeededSampling_FinishedOutputsAreJsonObjects()
    {
        using var engine = fx.CreateEngine(new LlmEngineOptions { MaxBatchTokens = 64 });
        int finished = 0;
        for (int seed = 0; seed < 24; seed++)
        {
            var request = new EngineRequest(EngineFixture.Prompt(6, seed), Sampled(seed)) { Grammar = GrammarSpec.JsonObject };
            var (tokens, last) = await EngineFixture.ReadAll(engine.Submit(request));
            Assert.True(last.FinishReason is FinishReason.Stop or FinishReason.Length);
            if (JsonOutput.AssertObjectOrPrefix(Text(tokens), last.FinishReason == FinishReason.Stop, $"seed {seed}"))
                finished++;
        }
        Assert.True(finished >= 6, $"only {finished} of 24 requests finished their object");
    }

    [Fact]
    public async Task Regex_GreedyAndSampled_OutputsMatchThePattern()
    {
        const string pattern = @"(yes|no|maybe)( [0-9]{1,3}%)?";
        var oracle = new System.Text.RegularExpressions.Regex($"^(?:{pattern})\\z");
        using var engine = fx.CreateEngine();
        for (int seed = 0; seed < 12; seed++)
        {
            var sampling = seed == 0 ? new SamplingOptions { Temperature = 0f, MaxTokens = 50 } : Sampled(seed, 50);
            var request = new EngineRequest(EngineFixture.Prompt(5, seed), sampling) { Grammar = new GrammarSpec(GrammarKind.Regex, pattern) };
            var (tokens, last) = await EngineFixture.ReadAll(engine.Submit(request));
            Assert.Equal(FinishReason.Stop, last.FinishReason); // at most 12 bytes: always ends
            string text = Text(tokens);
            Assert.True(oracle.IsMatch(text), $"seed {seed}: '{text}'");
        }
    }

    [Fact]
    public async Task Batching_ConstrainedSeededRequests_EqualEachAlone()
    {
        var options = new LlmEngineOptions { MaxBatchTokens = 64 };
        var alone = new List<List<int>>();
        using (var engine = fx.CreateEngine(options))
        {
            for (int i = 0; i < 8; i++)
                alone.Add((await EngineFixture.ReadAll(engine.Submit(Request(i)))).Tokens);
        }
        using (var engine = fx.CreateEngine(options))
        {
            var handles = Enumerable.Range(0, 8).Select(i => engine.Submit(Request(i))).ToList();
            var batched = await Task.WhenAll(handles.Select(EngineFixture.ReadAll));
            for (int i = 0; i < handles.Count; i++)
                Assert.Equal(alone[i], batched[i].Tokens);
        }

        EngineRequest Request(int i) => new(EngineFixture.Prompt(4 + i, i), Sampled(200 + i, 40)) { Grammar = i % 2 == 0 ? GrammarSpec.JsonObject : GrammarSpec.JsonValue };
    }

    [Fact]
    public async Task OverlappedMasks_GiveTheSameTokens_AsMasksComputedAtSampling()
    {
        // The next mask computed on the thread pool while the forward pass runs (as on a GPU) against the mask
        // computed when the logits are there: the same bits, so the same tokens, batched and not.
        var results = new List<List<int>>[2];
        for (int overlap = 0; overlap < 2; overlap++)
        {
            using var engine = fx.CreateEngine(new LlmEngineOptions { MaxBatchTokens = 64, OverlapGrammarMasks = overlap == 1 });
            var handles = Enumerable.Range(0, 6).Select(i => engine.Submit(new EngineRequest(EngineFixture.Prompt(4 + i, i), Sampled(300 + i, 40))
            {
                Grammar = i % 3 == 0 ? GrammarSpec.JsonObject : i % 3 == 1 ? GrammarSpec.JsonValue : new GrammarSpec(GrammarKind.Regex, "[a-z ]{1,30}"),
            })).ToList();
            results[overlap] = [.. (await Task.WhenAll(handles.Select(EngineFixture.ReadAll))).Select(r => r.Tokens)];
        }
        for (int i = 0; i < results[0].Count; i++)
            Assert.Equal(results[0][i], results[1][i]);
        Assert.Contains(results[1], t => t.Count > 5);
    }

    [Fact]
    public async Task ToolCallGrammar_FinishedOutputsParseAsCallsOfTheTool()
    {
        // What tool_choice "required" asks of a Hermes-format model: <tool_call> blocks around calls of get_weather whose
        // arguments validate; each finished output parses back (ToolCallParser) into such calls.
        const string call = """
            {"type":"object","properties":{"name":{"const":"get_weather"},"arguments":{"type":"object","properties":{"city":{"enum":["Oslo","Paris"]}},
             "required":["city"],"additionalProperties":false}},"required":["name","arguments"],"additionalProperties":false}
            """;
        var spec = new GrammarSpec(GrammarKind.JsonSchema, call) { Prefix = "<tool_call>\n", Suffix = "\n</tool_call>", Repeated = true };
        using var engine = fx.CreateEngine();
        int finished = 0;
        for (int seed = 0; seed < 8; seed++)
        {
            var (tokens, last) = await EngineFixture.ReadAll(engine.Submit(new EngineRequest(EngineFixture.Prompt(5, seed), Sampled(seed, 120)) { Grammar = spec }));
            if (last.FinishReason != FinishReason.Stop)
                continue;
            var reply = Meridian.Engine.Tools.ToolCallParser.Parse(Meridian.Engine.Tools.ToolCallFormat.Hermes, Text(tokens));
            Assert.NotEmpty(reply.Calls);
            Assert.All(reply.Calls, c => Assert.Equal("get_weather", c.Name));
            Assert.All(reply.Calls, c => Assert.Contains(JsonDocument.Parse(c.Arguments).RootElement.GetProperty("city").GetString(), new[] { "Oslo", "Paris" }));
            finished++;
        }
        Assert.True(finished >= 4, $"only {finished} of 8 outputs finished");
    }

    [Fact]
    public void Submit_UnenforceablePattern_RefusedNamingTheConstruct()
    {
        using var engine = fx.CreateEngine();
        var request = new EngineRequest(EngineFixture.Prompt(5, 1), Sampled(1)) { Grammar = new GrammarSpec(GrammarKind.Regex, "(?=a)b") };
        var e = Assert.Throws<ArgumentException>(() => engine.Submit(request));
        Assert.Contains("lookaround", e.Message);
    }

    private string Text(List<int> tokens) => fx.Tokenizer.Decode(tokens.ToArray());
}
