// A bad combination of command-line arguments that System.CommandLine's own validation cannot express.
namespace Meridian.Cli;

internal sealed class CliUsageException(string message) : Exception(message);
