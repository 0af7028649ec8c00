// `meridian bench (--model PATH | --synthetic SHAPE) [--type T,...] [--pure] [-p 512] [-n 128] [-t N,...] [-r 5]
// [--vs llama.cpp] [--json] [--report FILE.html]`: checks the options here (the declarations are the bench's own,
// linked in), then runs the bench program's `model` command, which alone may reference llama.cpp (BenchLauncher).
using System.CommandLine;
using Meridian.Bench.Model;
using Meridian.Cli.Bench.Grammar;
using Meridian.Cli.Bench.Serve;

namespace Meridian.Cli.Bench;

internal static class BenchCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var arguments = new ModelBenchArguments();
        var command = new Command("bench", "Prompt processing and generation tokens/s, against llama.cpp with --vs (runs bench/Meridian.Bench, which must be built)");
        arguments.AddTo(command);
        command.Subcommands.Add(ServeBenchCommand.Create(stdout, stderr));
        command.Subcommands.Add(GrammarBenchCommand.Create(stdout, stderr));
        command.SetAction(parse => CliErrors.Run(stderr, () =>
        {
            var (options, error) = arguments.Read(parse);
            if (options is null)
                throw new CliUsageException(error!);
            string dll = BenchLauncher.Locate(AppContext.BaseDirectory, Environment.GetEnvironmentVariable(BenchLauncher.EnvironmentVariable));
            return BenchLauncher.Run(dll, ["model", .. ModelBenchArguments.ToArgs(options)], stdout, stderr);
        }));
        return command;
    }
}
