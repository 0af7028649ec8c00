// `meridian template (--model FILE | --template FILE.jinja) --context C.json [--now TIME]`:
// renders a chat template with the variables of a JSON object, byte for byte to stdout.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Meridian.Models.Tokenizers;
using Meridian.Tokenizers;
using Meridian.Tokenizers.Templates;

namespace Meridian.Cli.Template;

internal static class TemplateCommand
{
    // Context files are small JSON documents; refuse anything absurd before reading it.
    private const long MaxContextBytes = 64L << 20;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string?>("--model", "-m") { Description = "Take the chat template stored in this model (GGUF, tokenizer.json / tokenizer_config.json or their directory)" };
        var template = new Option<string?>("--template") { Description = "A Jinja chat template file" };
        var context = new Option<string>("--context", "-c")
        {
            Description = "A JSON object; every key becomes a template variable (messages, tools, add_generation_prompt, bos_token, ...)",
            Required = true,
        };
        var now = new Option<string?>("--now") { Description = "Fix the clock strftime_now reads, e.g. 2025-03-14T09:26:53 (default: the current local time)" };
        var command = new Command("template", "Render a chat template") { model, template, context, now };
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            string? modelPath = parse.GetValue(model), templatePath = parse.GetValue(template);
            if ((modelPath is null) == (templatePath is null))
                throw new CliUsageException("give exactly one of --model and --template");

            var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
            ChatTemplate chat;
            if (templatePath != null)
            {
                chat = ChatTemplate.Parse(Utf8File.Read(templatePath), Path.GetFileName(templatePath));
            }
            else
            {
                TokenizerSpec spec = TokenizerLoader.LoadSpec(modelPath!);
                string source = spec.ChatTemplate ?? TemplateBeside(modelPath!)
                    ?? throw new CliUsageException($"{modelPath}: the model has no chat template; give one with --template");
                chat = ChatTemplate.Parse(source, Path.GetFileName(modelPath));
                // The model's own special tokens, unless the context names them.
                AddToken(variables, "bos_token", spec, spec.BosId);
                AddToken(variables, "eos_token", spec, spec.EosId);
                AddToken(variables, "unk_token", spec, spec.UnkId);
                AddToken(variables, "pad_token", spec, spec.PadId);
            }

            foreach (var (key, value) in ReadContext(parse.GetValue(context)!))
                variables[key] = value;
            var options = new ChatTemplateOptions { Now = ParseNow(parse.GetValue(now)) };
            stdout.Write(chat.Render(variables, options));
            stdout.Flush();
            return 0;
        }));
        return command;
    }

    private static void AddToken(Dictionary<string, object?> variables, string name, TokenizerSpec spec, int id)
    {
        if (id >= 0 && id < spec.Tokens.Count)
            variables[name] = spec.Tokens[id];
    }

    // Hugging Face keeps newer templates in chat_template.jinja beside tokenizer_config.json.
    private static string? TemplateBeside(string modelPath)
    {
        string dir = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        string candidate = Path.Combine(dir, "chat_template.jinja");
        return File.Exists(candidate) ? Utf8File.Read(candidate) : null;
    }

    private static JsonObject ReadContext(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"no such file: {path}", path);
        if (info.Length > MaxContextBytes)
            throw new CliUsageException($"{path}: {info.Length} bytes is too large for a template context (limit {MaxContextBytes})");
        ReadOnlySpan<byte> bytes = File.ReadAllBytes(path);
        if (bytes.StartsWith("\uFEFF"u8))
            bytes = bytes[3..]; // RFC 8259 lets a parser ignore a UTF-8 BOM; editors on Windows write one
        // System.Text.Json checks string contents only when they are read, which would then fail far from here.
        if (!Utf8.IsValid(bytes))
            throw new CliUsageException($"{path}: not valid UTF-8");
        JsonNode? node;
        try
        {
            // Duplicate keys are refused rather than guessed at (JsonObject would fail on them later).
            node = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 256, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"{path}: not valid JSON: {e.Message}");
        }
        return node as JsonObject
            ?? throw new CliUsageException($"{path}: the context must be a JSON object whose keys become template variables");
    }

    private static DateTimeOffset ParseNow(string? text)
    {
        if (text is null)
            return DateTimeOffset.Now;
        // RoundtripKind leaves a time without an offset Unspecified: a wall-clock time that strftime_now
        // formats as written. Any offset ("Z", "-08:00", "+0530", "+05") makes it Utc or Local instead.
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var local)
            && local.Kind == DateTimeKind.Unspecified)
            return new DateTimeOffset(local, TimeSpan.Zero);
        // With an offset: the wall-clock time at that offset, never converted to this machine's zone.
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset))
            return withOffset;
        throw new CliUsageException($"--now: '{text}' is not a date and time such as 2025-03-14T09:26:53");
    }
}
