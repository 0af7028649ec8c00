// `meridian tokenize --model FILE (--text T | --file F) [--special] [--bos] [--json]`: prints the
// token ids of a text as the model's tokenizer produces them.
using System.CommandLine;
using System.Text.Json;
using Meridian.Models.Tokenizers;

namespace Meridian.Cli.Tokenize;

internal static class TokenizeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model", "-m")
        {
            Description = "A GGUF file, a tokenizer.json (or its directory), or a llama2.c tokenizer.bin",
            Required = true,
        };
        var text = new Option<string?>("--text", "-t") { Description = "The text to tokenize" };
        var file = new Option<string?>("--file", "-f") { Description = "Read the text from this UTF-8 file ('-' for stdin)" };
        var special = new Option<bool>("--special") { Description = "Match control and user-defined tokens written in the text (parse_special)" };
        var bos = new Option<bool>("--bos") { Description = "Add BOS/EOS as the tokenizer's flags say (default: add nothing)" };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\": [...], \"pieces\": [...]}" };
        var command = new Command("tokenize", "Print the token ids of a text") { model, text, file, special, bos, json };
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            string input = ReadInput(parse.GetValue(text), parse.GetValue(file));
            var tokenizer = TokenizerLoader.Load(parse.GetValue(model)!);
            int[] ids = tokenizer.Encode(input, addSpecial: parse.GetValue(bos), parseSpecial: parse.GetValue(special));
            if (parse.GetValue(json))
            {
                var pieces = ids.Select(id => tokenizer.TokenToPiece(id)).ToArray();
                stdout.WriteLine(JsonSerializer.Serialize(new TokenizeOutput(ids, pieces), CliJson.Context.TokenizeOutput));
            }
            else
            {
                stdout.WriteLine(string.Join(' ', ids));
            }
            return 0;
        }));
        return command;
    }

    private static string ReadInput(string? text, string? file)
    {
        if ((text is null) == (file is null))
            throw new CliUsageException("give exactly one of --text and --file");
        if (text != null)
            return text;
        if (file == "-")
            return Utf8File.ReadStdin();
        // Strict UTF-8: a file in another encoding is an error, not silently different ids.
        return Utf8File.Read(file!);
    }
}
