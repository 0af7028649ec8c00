// `meridian run [--model PATH] [--tokenizer PATH] [--prompt TEXT] [sampling flags] [device flags]`:
// generates a continuation of the prompt and streams it (not the prompt) to stdout; speed goes to stderr.
using System.CommandLine;
using Meridian.Engine.Serving;

namespace Meridian.Cli.Run;

internal static class RunCommand
{
    /// <summary>The command; <paramref name="backends"/> replaces the composition root's registry (tests).</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr, Func<int?, Meridian.Core.Backends.BackendRegistry>? backends = null)
    {
        var model = new Option<string?>("--model", "-m") { Description = "A GGUF file, a Hugging Face model directory or a llama2.c checkpoint (default: the bundled demo model, models/demo/meridian-demo.gguf)" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Vocabulary for models without one (llama2.c tokenizer.bin, tokenizer.json)" };
        var prompt = new Option<string>("--prompt", "-p") { Description = "Text to continue (default: empty, generation starts after BOS)", DefaultValueFactory = _ => "" };
        var device = new DeviceFlags();
        var sampling = new SamplingFlags(defaultCount: 256);
        var command = new Command("run", "Generate text from a prompt") { model, tokenizer, prompt };
        device.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            var options = sampling.Parse(parse); // before loading, so a bad flag fails fast
            var choice = device.Parse(parse);
            using var loaded = LoadedModel.Open(parse.GetValue(model), parse.GetValue(tokenizer), choice, stderr, backends);
            string text = parse.GetValue(prompt) ?? "";
            // BOS (when the vocabulary adds one) then the prompt, as llama.cpp and run.c encode it.
            int[] ids = loaded.Tokenizer.Encode(text, addSpecial: true);
            if (ids.Length == 0)
                ids = [loaded.Tokenizer.BosId >= 0 ? loaded.Tokenizer.BosId : 0];
            // -n N needs N more positions, but the KV cache never exceeds the model's context (within
            // 512..8192), so a huge -n cannot allocate whatever it asks; a full context ends generation.
            int context = Math.Max(ids.Length + 1, LoadedModel.InteractiveContext(loaded.Model.ContextLength));
            int capacity = options.MaxTokens is int n ? (int)Math.Min((long)ids.Length + n, context) : context;
            capacity = Math.Max(capacity, ids.Length + 1);
            // The last token sampled is printed, never fed: a cache of `capacity` positions yields capacity - prompt + 1
            // tokens, as run.c and llama.cpp do, so the engine's context (prompt + generated) is one more than the cache.
            using var engine = loaded.StartEngine(capacity + 1);
            // Generated text continues the prompt; with no prompt text the first piece loses its
            // SentencePiece leading space (run.c decode after BOS). Special tokens are printed, as run.c does.
            var request = new EngineRequest(ids, SamplingFlags.Seeded(options, stderr)) { ContinuesText = text.Length > 0, SkipSpecialTokens = false, PenalizePrompt = true };
            var result = EngineGeneration.Run(engine, request, piece =>
            {
                stdout.Write(piece);
                stdout.Flush();
            });
            stdout.WriteLine();
            stdout.Flush();
            if (result.Finish == FinishReason.Length && (options.MaxTokens is not int max || result.Usage.CompletionTokens < max))
                stderr.WriteLine($"meridian: the context of {capacity} tokens is full; generation stopped");
            stderr.WriteLine(
                $"prompt: {result.Usage.PromptTokens} tokens, {result.PromptTokensPerSecond:F1} tokens/s; " +
                $"generation: {result.Usage.CompletionTokens} tokens, {result.GenerationTokensPerSecond:F1} tokens/s; device: {loaded.Model.Device.Name}");
            return 0;
        }));
        return command;
    }
}
