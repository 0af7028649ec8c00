// Meridian benchmarks against peer implementations, measured side by side in one run.
// Usage: dotnet run -c Release --project bench/Meridian.Bench -- tokenize [--testdata DIR] [--reps N] [--json]
using System.CommandLine;
using Meridian.Bench.Tokenize;

var root = new RootCommand("Meridian benchmarks: ours against peers in the same run")
{
    TokenizeBenchCommand.Create(),
};
return root.Parse(args).Invoke();
