// The root `meridian` command; each subcommand lives in its own folder.
using System.CommandLine;
using Meridian.Cli.Chat;
using Meridian.Cli.Inspect;
using Meridian.Cli.Run;
using Meridian.Cli.Template;
using Meridian.Cli.Tokenize;

namespace Meridian.Cli;

internal static class MeridianCommand
{
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the CLI with explicit streams, so tests can run it in process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TextReader? stdin = null)
    {
        var root = new RootCommand("Meridian: a hardware-neutral LLM inference engine")
        {
            InspectCommand.Create(stdout, stderr),
            TokenizeCommand.Create(stdout, stderr),
            TemplateCommand.Create(stdout, stderr),
            RunCommand.Create(stdout, stderr),
            ChatCommand.Create(stdin ?? Console.In, stdout, stderr),
        };
        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return root.Parse(args).Invoke(config);
    }
}
