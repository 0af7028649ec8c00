// `meridian run [--model PATH] [--tokenizer PATH] [--prompt TEXT] [sampling flags] [--threads N]`:
// generates a continuation of the prompt and streams it (not the prompt) to stdout; speed goes to stderr.
using System.CommandLine;
using Meridian.Engine.Generation;

namespace Meridian.Cli.Run;

internal static class RunCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string?>("--model", "-m") { Description = "A GGUF file, a Hugging Face model directory or a llama2.c checkpoint (default: the bundled demo model, models/demo/meridian-demo.gguf)" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Vocabulary for models without one (llama2.c tokenizer.bin, tokenizer.json)" };
        var prompt = new Option<string>("--prompt", "-p") { Description = "Text to continue (default: empty, generation starts after BOS)", DefaultValueFactory = _ => "" };
        var threads = new Option<int?>("--threads", "-t") { Description = "CPU threads (default: all processors)" };
        var sampling = new SamplingFlags(defaultCount: 256);
        var command = new Command("run", "Generate text from a prompt") { model, tokenizer, prompt, threads };
        sampling.AddTo(command);
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            var options = sampling.Parse(parse); // before loading, so a bad flag fails fast
            using var loaded = LoadedModel.Open(parse.GetValue(model), parse.GetValue(tokenizer), parse.GetValue(threads));
            string text = parse.GetValue(prompt) ?? "";
            // BOS (when the vocabulary adds one) then the prompt, as llama.cpp and run.c encode it.
            int[] ids = loaded.Tokenizer.Encode(text, addSpecial: true);
            if (ids.Length == 0)
                ids = [loaded.Tokenizer.BosId >= 0 ? loaded.Tokenizer.BosId : 0];
            var sampler = SamplingFlags.CreateSampler(options, loaded.Model.VocabSize, stderr);
            // Generated text continues the prompt; with no prompt text the first piece loses its
            // SentencePiece leading space (run.c decode after BOS).
            var stream = new TextStream(loaded.Tokenizer.CreateIncrementalDecoder(continuation: text.Length > 0), options.StopStrings);
            var generation = GenerationOptions.From(options, loaded.Tokenizer.EndOfGenerationIds);
            // -n N needs N more positions, but the KV cache never exceeds the model's context (within
            // 512..8192), so a huge -n cannot allocate whatever it asks; a full context ends generation.
            int context = Math.Max(ids.Length + 1, Math.Clamp(loaded.Model.ContextLength, 512, 8192));
            int capacity = options.MaxTokens is int n ? (int)Math.Min((long)ids.Length + n, context) : context;
            using var generator = new TextGenerator(loaded.Model, capacity);
            var result = generator.Generate(ids, generation, sampler.Sample, id =>
            {
                var piece = stream.Push(id);
                stdout.Write(piece.Text);
                stdout.Flush();
                return !piece.Stopped;
            });
            stdout.Write(stream.Flush());
            stdout.WriteLine();
            stdout.Flush();
            if (result.StopReason == StopReason.ContextFull)
                stderr.WriteLine($"meridian: the context of {capacity} tokens is full; generation stopped");
            stderr.WriteLine(
                $"prompt: {result.PromptTokens} tokens, {result.PromptTokensPerSecond:F1} tokens/s; " +
                $"generation: {result.GeneratedTokens} tokens, {result.GenerationTokensPerSecond:F1} tokens/s");
            return 0;
        }));
        return command;
    }
}
