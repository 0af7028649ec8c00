// `tokenize [--testdata DIR] [--reps N] [--json]`: ours against HF tokenizers and ML.Tokenizers on the whole
// of War and Peace; a table on stdout, or with --json one object on stdout. Progress goes to stderr.
using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Meridian.Bench.Tokenize;

internal static class TokenizeBenchCommand
{
    public static Command Create()
    {
        var testData = new Option<string?>("--testdata")
        {
            Description = "The shared testdata folder (default: MERIDIAN_TESTDATA, else ../shared/testdata found upwards)",
        };
        var reps = new Option<int>("--reps")
        {
            Description = "Timed encodes per engine and mode, after one untimed warm-up",
            DefaultValueFactory = _ => 5,
        };
        var json = new Option<bool>("--json") { Description = "Print the results as one JSON object" };
        var command = new Command("tokenize", "Tokens/s of ours, HF tokenizers (Rust) and ML.Tokenizers on War and Peace") { testData, reps, json };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(reps);
            if (n < 1)
            {
                Console.Error.WriteLine("--reps must be at least 1");
                return 2;
            }
            string? dir = TestDataLocator.Find(parse.GetValue(testData));
            if (dir is null)
            {
                Console.Error.WriteLine("testdata not found: pass --testdata DIR or set MERIDIAN_TESTDATA");
                return 2;
            }
            var report = new TokenizeBenchmark(dir, n, Console.Error).Run();
            if (parse.GetValue(json))
            {
                var options = new JsonSerializerOptions(BenchJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
                Console.Out.WriteLine(JsonSerializer.Serialize(report, new BenchJsonContext(options).TokenizeBenchReport));
            }
            else
            {
                ReportTable.Write(report, Console.Out);
            }
            return 0;
        });
        return command;
    }
}
