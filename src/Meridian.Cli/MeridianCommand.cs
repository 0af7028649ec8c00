// The root `meridian` command; each subcommand lives in its own file.
using System.CommandLine;

namespace Meridian.Cli;

internal static class MeridianCommand
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("Meridian: a hardware-neutral LLM inference engine");
        return root.Parse(args).Invoke();
    }
}
