// `meridian inspect FILE [--json] [--tensors]`: describes a GGUF, safetensors (file or HF
// directory) or llama2.c model without loading its weights.
using System.CommandLine;
using System.Text.Json;
using Meridian.Formats.Inspection;

namespace Meridian.Cli.Inspect;

internal static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "A .gguf file, a .safetensors file or Hugging Face directory, or a llama2.c checkpoint" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (keys documented in docs/cli.md)" };
        var tensors = new Option<bool>("--tensors") { Description = "List every tensor: name, dtype, shape, offset, bytes" };
        var command = new Command("inspect", "Describe a model file: format, architecture, hyperparameters, tokenizer, tensors")
        {
            file, json, tensors,
        };
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            ModelSummary summary = ModelInspector.Inspect(parse.GetValue(file)!);
            if (parse.GetValue(json))
                stdout.WriteLine(JsonSerializer.Serialize(summary, CliJson.Context.ModelSummary));
            else
                InspectTextRenderer.Write(stdout, summary, parse.GetValue(tensors));
            return 0;
        }));
        return command;
    }
}
