// The tests of `meridian bench serve` that check times against a fake server's scripted delays run alone, not
// beside other test classes on the same cores, so the machine's load does not stretch the delays they measure.
namespace Meridian.Cli.Tests.Bench.Serve;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServeBenchTimingCollection
{
    public const string Name = "bench serve timing";
}
