// `meridian inspect FILE [--json] [--tensors]`: describes a GGUF, safetensors (file or HF
// directory) or llama2.c model without loading its weights. `meridian inspect --architectures` lists the
// architectures this build runs, by their GGUF and Hugging Face names.
using System.CommandLine;
using System.Text.Json;
using Meridian.Formats.Inspection;

namespace Meridian.Cli.Inspect;

internal static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string?>("FILE")
        {
            Description = "A .gguf file, a .safetensors file or Hugging Face directory, or a llama2.c checkpoint",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var architectures = new Option<bool>("--architectures") { Description = "List the architectures this build runs (GGUF general.architecture, Hugging Face model_type)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (keys documented in docs/cli.md)" };
        var tensors = new Option<bool>("--tensors") { Description = "List every tensor: name, dtype, shape, offset, bytes" };
        var command = new Command("inspect", "Describe a model file: format, architecture, hyperparameters, tokenizer, tensors")
        {
            file, json, tensors, architectures,
        };
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            if (parse.GetValue(architectures))
            {
                WriteArchitectures(stdout, parse.GetValue(json));
                return 0;
            }
            string path = parse.GetValue(file) ?? throw new CliUsageException("inspect needs a FILE (or --architectures for the list of architectures this build runs)");
            ModelSummary summary = ModelInspector.Inspect(path);
            if (parse.GetValue(json))
                stdout.WriteLine(JsonSerializer.Serialize(summary, CliJson.Context.ModelSummary));
            else
                InspectTextRenderer.Write(stdout, summary, parse.GetValue(tensors));
            return 0;
        }));
        return command;
    }

    private static void WriteArchitectures(TextWriter stdout, bool json)
    {
        var all = Meridian.Models.Architectures.Architectures.All;
        if (json)
        {
            var list = new System.Text.Json.Nodes.JsonArray(all.Select(a => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
            {
                ["gguf"] = new System.Text.Json.Nodes.JsonArray(a.GgufNames.Select(n => (System.Text.Json.Nodes.JsonNode)n!).ToArray()),
                ["hf"] = new System.Text.Json.Nodes.JsonArray(a.HfModelTypes.Select(n => (System.Text.Json.Nodes.JsonNode)n!).ToArray()),
            }).ToArray());
            stdout.WriteLine(new System.Text.Json.Nodes.JsonObject { ["architectures"] = list }.ToJsonString());
            return;
        }
        stdout.WriteLine("architectures this build runs (docs/architectures.md):");
        stdout.WriteLine($"  {"GGUF general.architecture",-44} Hugging Face model_type");
        foreach (var a in all)
            stdout.WriteLine($"  {(a.GgufNames.Count == 0 ? "(as llama)" : string.Join(", ", a.GgufNames)),-44} {(a.HfModelTypes.Count == 0 ? "(GGUF only)" : string.Join(", ", a.HfModelTypes))}");
    }
}
