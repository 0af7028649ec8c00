// Meridian benchmarks against peer implementations, measured side by side in one run.
// Usage: dotnet run -c Release --project bench/Meridian.Bench -- tokenize [--testdata DIR] [--reps N] [--json]
//        dotnet run -c Release --project bench/Meridian.Bench -- model --synthetic llama-15m --type Q4_0 --vs llama.cpp
//        dotnet run -c Release --project bench/Meridian.Bench -- overhead --device plugin:native/build/libmeridian-reference.so
using System.CommandLine;
using System.Text;
using Meridian.Bench.Tokenize;

// UTF-8 whatever the locale says (the table's ±), as `meridian` itself writes.
Console.OutputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

var root = new RootCommand("Meridian benchmarks: ours against peers in the same run")
{
    TokenizeBenchCommand.Create(),
    Meridian.Bench.Model.ModelBenchCommand.Create(),
    Meridian.Bench.Overhead.OverheadBenchCommand.Create(),
};
return root.Parse(args).Invoke();
