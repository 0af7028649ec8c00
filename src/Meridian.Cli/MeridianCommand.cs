// The root `meridian` command; each subcommand lives in its own folder.
using System.CommandLine;
using System.Text;
using Meridian.Cli.Bench;
using Meridian.Cli.Chat;
using Meridian.Cli.Conversion;
using Meridian.Cli.Inspect;
using Meridian.Cli.Run;
using Meridian.Cli.Serve;
using Meridian.Cli.Template;
using Meridian.Cli.Tokenize;

namespace Meridian.Cli;

internal static class MeridianCommand
{
    public static int Run(string[] args)
    {
        // UTF-8 whatever the locale's charset says: renders and token pieces must come out byte for byte
        // (under LANG=en_US.ISO-8859-1 .NET would write '?' for every character Latin-1 lacks).
        Console.OutputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        return Run(args, Console.Out, Console.Error);
    }

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
            BenchCommand.Create(stdout, stderr),
            ServeCommand.Create(stdout, stderr),
            ConvertCommand.CreateConvert(stdout, stderr),
            ConvertCommand.CreateQuantize(stdout, stderr),
            Devices.DevicesCommand.Create(stdout, stderr),
            Conformance.ConformanceCommand.Create(stdout, stderr),
        };
        // No @response files: an argument such as `--text "@everyone hi"` is the user's text, not a path.
        var parsing = new ParserConfiguration { ResponseFileTokenReplacer = null };
        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return root.Parse(args, parsing).Invoke(config);
    }
}
