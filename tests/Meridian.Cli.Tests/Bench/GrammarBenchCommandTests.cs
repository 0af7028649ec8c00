// `meridian bench grammar` on the bundled demo model's vocabulary and a schema file: one table row per vocabulary
// with every column filled, the masks counted as the walks ran them; and a bad option gives one error line.
using Meridian.Tests.Shared;

namespace Meridian.Cli.Tests.Bench;

public sealed class GrammarBenchCommandTests
{
    [Fact]
    public void BenchGrammar_DemoVocabulary_OneFullRow()
    {
        using var dir = new TempDir();
        string schema = dir.File("point.json");
        File.WriteAllText(schema, """{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}},"required":["x","y"],"additionalProperties":false}""");
        string model = Meridian.Cli.Run.BundledModel.Resolve(null, AppContext.BaseDirectory);
        var r = CliRunner.Run(["bench", "grammar", "--tokenizer", model, "--schema", schema, "--steps", "8", "--seeds", "2"]);
        Assert.Equal(0, r.ExitCode);
        var row = r.Stdout.Split('\n').Single(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| vocabulary", StringComparison.Ordinal));
        var cells = row.Split('|', StringSplitOptions.TrimEntries)[1..^1];
        Assert.Equal(11, cells.Length);
        Assert.Equal("1", cells[3]); // schemas
        int masks = int.Parse(cells[6]);
        Assert.InRange(masks, 2, 16); // two walks of at most 8 tokens, each at least one mask
        Assert.All(cells.Skip(1), c => Assert.True(double.TryParse(c, System.Globalization.CultureInfo.InvariantCulture, out _), $"'{c}' in {row}"));
    }

    [Fact]
    public void BenchGrammar_BadSteps_OneErrorLine()
    {
        var r = CliRunner.Run(["bench", "grammar", "--tokenizer", "x.json", "--steps", "0"]);
        Assert.Equal(CliAssert.ErrorPrefix + "--steps and --seeds must be at least 1", CliAssert.OneErrorLine(r));
    }
}
