// `meridian chat [--model PATH] [--system TEXT] [sampling flags]`: an interactive chat through the model's chat template.
// Each line read is a user turn; the reply streams to stdout; Ctrl-D (end of input) ends the chat.
// The whole conversation is re-rendered each turn; the engine's prefix cache feeds only the tokens after the cached prefix.
using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Meridian.Cli.Run;
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
        var device = new DeviceFlags();
        var sampling = new SamplingFlags(defaultCount: 512); // -n is per reply
        var command = new Command("chat", "Chat with a model (Ctrl-D ends)") { model, tokenizer, system };
        device.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            var options = sampling.Parse(parse);
            using var loaded = LoadedModel.Open(parse.GetValue(model), parse.GetValue(tokenizer), device.Parse(parse), stderr);
            var tok = loaded.Tokenizer;
            string? source = tok.Spec.ChatTemplate;
            if (source is null)
                stderr.WriteLine("meridian: the model has no chat template; using ChatML");
            var template = ChatTemplate.Parse(source ?? ChatPrompt.ChatMlSource, "chat template");
            var special = ChatPrompt.SpecialTokens(tok);

            var messages = new JsonArray();
            if (parse.GetValue(system) is { Length: > 0 } sys)
                messages.Add(new JsonObject { ["role"] = "system", ["content"] = sys });
            // One seed for the whole chat (each turn's sampler starts from it), so a seed replays the conversation.
            options = SamplingFlags.Seeded(options, stderr);
            int capacity = LoadedModel.InteractiveContext(loaded.Model.ContextLength);
            // The engine's prefix cache keeps the conversation so far: each turn computes only its new tokens.
            using var engine = loaded.StartEngine(capacity);
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

                var reply = new StringBuilder();
                int room = capacity - ids.Count;
                var turn = options with { MaxTokens = options.MaxTokens is int n ? Math.Min(n, room) : room };
                var result = EngineGeneration.Run(engine, new EngineRequest(ids, turn) { PenalizePrompt = true }, piece =>
                {
                    reply.Append(piece);
                    stdout.Write(piece);
                    stdout.Flush();
                });
                stdout.WriteLine();
                messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = reply.ToString().Trim() });
                if (result.Finish == FinishReason.Length && result.Usage.CompletionTokens >= room)
                    stderr.WriteLine("meridian: the context is full; the reply was cut short");
            }
        }));
        return command;
    }
}
