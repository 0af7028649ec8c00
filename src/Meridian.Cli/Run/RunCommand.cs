// `meridian run --model PATH [--tokenizer PATH] [--prompt TEXT] [-n N] [--temp T] [--seed S] [--threads N]`:
// generates a continuation of the prompt and streams it (not the prompt) to stdout; speed goes to stderr.
using System.CommandLine;
using Meridian.Engine.Generation;

namespace Meridian.Cli.Run;

internal static class RunCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string?>("--model", "-m") { Description = "A GGUF file, a Hugging Face model directory or a llama2.c checkpoint" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Vocabulary for models without one (llama2.c tokenizer.bin, tokenizer.json)" };
        var prompt = new Option<string>("--prompt", "-p") { Description = "Text to continue (default: empty, generation starts after BOS)", DefaultValueFactory = _ => "" };
        var count = new Option<int>("-n", "--max-tokens") { Description = "Tokens to generate", DefaultValueFactory = _ => 256 };
        var temp = new Option<float>("--temp") { Description = "Sampling temperature; 0 is greedy", DefaultValueFactory = _ => 0.8f };
        var seed = new Option<ulong?>("--seed") { Description = "Random seed (default: from the clock)" };
        var threads = new Option<int?>("--threads", "-t") { Description = "CPU threads (default: all processors)" };
        var command = new Command("run", "Generate text from a prompt") { model, tokenizer, prompt, count, temp, seed, threads };
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            int n = parse.GetValue(count);
            float t = parse.GetValue(temp);
            if (n < 0)
                throw new CliUsageException($"-n must not be negative, not {n}");
            if (t < 0 || float.IsNaN(t))
                throw new CliUsageException($"--temp must be 0 or more, not {t}");
            using var loaded = LoadedModel.Open(parse.GetValue(model), parse.GetValue(tokenizer), parse.GetValue(threads));
            string text = parse.GetValue(prompt) ?? "";
            // BOS (when the vocabulary adds one) then the prompt, as llama.cpp and run.c encode it.
            int[] ids = loaded.Tokenizer.Encode(text, addSpecial: true);
            if (ids.Length == 0)
                ids = [loaded.Tokenizer.BosId >= 0 ? loaded.Tokenizer.BosId : 0];
            // Generated text continues the prompt; with no prompt text the first piece loses its
            // SentencePiece leading space (run.c decode after BOS).
            var decoder = loaded.Tokenizer.CreateIncrementalDecoder(continuation: text.Length > 0);
            var sampler = BasicSamplers.Create(t, parse.GetValue(seed) ?? (ulong)Environment.TickCount64);
            var options = new GenerationOptions(n, loaded.Tokenizer.EndOfGenerationIds.ToHashSet());
            using var generator = new TextGenerator(loaded.Model, capacity: ids.Length + Math.Max(n, 1));
            var result = generator.Generate(ids, options, sampler, id =>
            {
                stdout.Write(decoder.Push(id));
                stdout.Flush();
            });
            stdout.Write(decoder.Flush());
            stdout.WriteLine();
            stdout.Flush();
            stderr.WriteLine(
                $"prompt: {result.PromptTokens} tokens, {result.PromptTokensPerSecond:F1} tokens/s; " +
                $"generation: {result.GeneratedTokens} tokens, {result.GenerationTokensPerSecond:F1} tokens/s");
            return 0;
        }));
        return command;
    }
}
