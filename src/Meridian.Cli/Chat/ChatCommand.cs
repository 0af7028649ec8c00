// `meridian chat [--model PATH] [--system TEXT] [sampling flags]`: an interactive chat through the model's chat template.
// Each line read is a user turn; the reply streams to stdout; Ctrl-D (end of input) ends the chat.
// The whole conversation is re-rendered each turn and only tokens after the cached prefix are fed.
using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Meridian.Cli.Run;
using Meridian.Engine.Generation;
using Meridian.Engine.Serving;
using Meridian.Tokenizers.Templates;

namespace Meridian.Cli.Chat;

internal static class ChatCommand
{
    public static Command Create(TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string?>("--model", "-m") { Description = "A GGUF file, a Hugging Face model directory or a llama2.c checkpoint (default: the bundled demo model, models/demo/meridian-demo.gguf)" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Vocabulary for models without one" };
        var system = new Option<string?>("--system", "-s") { Description = "A system message opening the conversation" };
        var threads = new Option<int?>("--threads", "-t") { Description = "CPU threads (default: all processors)" };
        var sampling = new SamplingFlags(defaultCount: 512); // -n is per reply
        var command = new Command("chat", "Chat with a model (Ctrl-D ends)") { model, tokenizer, system, threads };
        sampling.AddTo(command);
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            var options = sampling.Parse(parse);
            using var loaded = LoadedModel.Open(parse.GetValue(model), parse.GetValue(tokenizer), parse.GetValue(threads));
            var tok = loaded.Tokenizer;
            string? source = tok.Spec.ChatTemplate;
            if (source is null)
                stderr.WriteLine("meridian: the model has no chat template; using ChatML");
            var template = ChatTemplate.Parse(source ?? ChatPrompt.ChatMlSource, "chat template");
            var special = ChatPrompt.SpecialTokens(tok);

            var messages = new JsonArray();
            if (parse.GetValue(system) is { Length: > 0 } sys)
                messages.Add(new JsonObject { ["role"] = "system", ["content"] = sys });
            // One sampler for the whole chat: its RNG runs on across turns, so a seed replays the conversation.
            var sampler = SamplingFlags.CreateSampler(options, loaded.Model.VocabSize, stderr);
            var generation = GenerationOptions.From(options, tok.EndOfGenerationIds);
            int capacity = Math.Clamp(loaded.Model.ContextLength, 512, 8192);
            using var generator = new TextGenerator(loaded.Model, capacity);
            while (true)
            {
                stdout.Write("> ");
                stdout.Flush();
                string? line = stdin.ReadLine();
                if (line is null)
                {
                    stdout.WriteLine();
                    return 0;
                }
                if (line.Length == 0)
                    continue;
                messages.Add(new JsonObject { ["role"] = "user", ["content"] = line });
                string prompt = template.Render(ChatTemplateContext.Create(messages.DeepClone(), addGenerationPrompt: true, specialTokens: special));
                // The template writes BOS itself when it wants one; add it only when the vocabulary does and the text lacks it.
                var ids = tok.Encode(prompt, addSpecial: false, parseSpecial: true).ToList();
                if (tok.AddBos && tok.BosId >= 0 && (ids.Count == 0 || ids[0] != tok.BosId))
                    ids.Insert(0, tok.BosId);
                if (ids.Count + 1 >= capacity)
                    throw new CliUsageException($"the conversation ({ids.Count} tokens) no longer fits the context of {capacity} tokens");

                var stream = new TextStream(tok.CreateIncrementalDecoder(skipSpecial: true, continuation: true), options.StopStrings);
                var reply = new StringBuilder();
                void Emit(string s)
                {
                    reply.Append(s);
                    stdout.Write(s);
                    stdout.Flush();
                }
                var turn = generation with { MaxTokens = Math.Min(generation.MaxTokens, capacity - ids.Count) };
                var result = generator.Generate(ids, turn, sampler.Sample, id =>
                {
                    var piece = stream.Push(id);
                    Emit(piece.Text);
                    return !piece.Stopped;
                });
                Emit(stream.Flush());
                stdout.WriteLine();
                messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = reply.ToString().Trim() });
                if (result.StopReason == StopReason.ContextFull)
                    stderr.WriteLine("meridian: the context is full; the reply was cut short");
            }
        }));
        return command;
    }
}
