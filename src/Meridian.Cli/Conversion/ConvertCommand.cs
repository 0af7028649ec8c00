// `meridian convert HF_DIR -o OUT.gguf [--type T]` (Hugging Face checkpoint -> GGUF, HfToGguf) and
// `meridian quantize IN.gguf OUT.gguf --type T [--pure] [--keep-output] [--allow-requantize]`
// (GgufQuantizer): the file types of llama-quantize (QuantRecipe), progress one line per tensor on stderr.
using System.CommandLine;
using Meridian.Models.Conversion;

namespace Meridian.Cli.Conversion;

internal static class ConvertCommand
{
    private static string TypeList => string.Join(", ", QuantRecipe.Names);

    public static Command CreateConvert(TextWriter stdout, TextWriter stderr)
    {
        var dir = new Argument<string>("HF_DIR") { Description = "A Hugging Face model directory (config.json, *.safetensors, tokenizer.json)" };
        var output = new Option<string>("--output", "-o") { Description = "The GGUF file to write", Required = true };
        var type = new Option<string>("--type") { Description = $"Weight type: {TypeList}", DefaultValueFactory = _ => "F16" };
        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "The tokenizer to embed when the directory has no tokenizer.json: a tokenizer.json, a llama2.c tokenizer.bin or a GGUF",
        };
        var command = new Command("convert", "Convert a Hugging Face checkpoint to GGUF (runs in Meridian and llama.cpp alike)") { dir, output, type, tokenizer };
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            var recipe = Recipe(parse.GetValue(type)!);
            string outPath = parse.GetValue(output)!;
            string? tokenizerPath = parse.GetValue(tokenizer);
            var spec = tokenizerPath is null ? null : Models.Tokenizers.TokenizerLoader.LoadSpec(tokenizerPath);
            Usage(() => HfToGguf.Convert(parse.GetValue(dir)!, outPath, new HfToGgufOptions { Recipe = recipe, Tokenizer = spec, Progress = stderr.WriteLine }));
            stdout.WriteLine($"wrote {outPath} ({recipe.Name}, {new FileInfo(outPath).Length} bytes)");
            return 0;
        }));
        return command;
    }

    public static Command CreateQuantize(TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<string>("IN") { Description = "The GGUF file to read" };
        var output = new Argument<string>("OUT") { Description = "The GGUF file to write (not the input)" };
        var type = new Option<string>("--type") { Description = $"File type: {TypeList}", Required = true };
        var pure = new Option<bool>("--pure") { Description = "Every matrix in the one type: no Q6_K output, no Q4_K_M/Q5_K_M mixture" };
        var keepOutput = new Option<bool>("--keep-output") { Description = "Leave output.weight in the type it has" };
        var requantize = new Option<bool>("--allow-requantize") { Description = "Decode and quantize again tensors that are already quantized" };
        var command = new Command("quantize", "Quantize a GGUF model with llama-quantize's file types") { input, output, type, pure, keepOutput, requantize };
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            var recipe = Recipe(parse.GetValue(type)!) with { Pure = parse.GetValue(pure), KeepOutput = parse.GetValue(keepOutput) };
            string outPath = parse.GetValue(output)!;
            Usage(() => GgufQuantizer.Quantize(parse.GetValue(input)!, outPath, recipe, stderr.WriteLine, parse.GetValue(requantize)));
            stdout.WriteLine($"wrote {outPath} ({recipe.Name}{(recipe.Pure ? ", pure" : "")}, {new FileInfo(outPath).Length} bytes)");
            return 0;
        }));
        return command;
    }

    private static QuantRecipe Recipe(string name)
    {
        QuantRecipe? recipe = null;
        Usage(() => recipe = QuantRecipe.Parse(name));
        return recipe!;
    }

    // The converters refuse bad arguments (an unknown type, the input as output) with ArgumentException:
    // for the CLI that is a usage error, one line, exit 1.
    private static void Usage(Action action)
    {
        try
        {
            action();
        }
        catch (ArgumentException e) when (e.ParamName is "name" or "outputPath" or "t")
        {
            throw new CliUsageException(e.Message.Split(" (Parameter")[0]);
        }
    }
}
