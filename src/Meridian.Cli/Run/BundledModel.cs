// Finds the demo model Meridian ships (issue 5) for `run` and `chat` without --model: next to the
// binary (the build copies it there) or, from a checkout, in models/demo/ of the repository above it.
namespace Meridian.Cli.Run;

internal static class BundledModel
{
    /// <summary>Where the demo GGUF lives, relative to the repository root and to the binary's folder.</summary>
    public static readonly string RelativePath = Path.Combine("models", "demo", "meridian-demo.gguf");

    private const string SolutionFile = "Meridian.slnx";

    /// <summary>
    /// The bundled model as seen from <paramref name="baseDirectory"/>: its copy beside the binary,
    /// else the one in the first folder above that holds Meridian.slnx; null when neither exists.
    /// </summary>
    public static string? Find(string baseDirectory)
    {
        string beside = Path.Combine(baseDirectory, RelativePath);
        if (File.Exists(beside))
            return beside;
        for (var dir = new DirectoryInfo(baseDirectory); dir != null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                continue;
            string inRepo = Path.Combine(dir.FullName, RelativePath);
            return File.Exists(inRepo) ? inRepo : null;
        }
        return null;
    }

    /// <summary><paramref name="modelPath"/> when given, else the bundled model, else a usage error.</summary>
    public static string Resolve(string? modelPath, string baseDirectory) =>
        !string.IsNullOrEmpty(modelPath) ? modelPath
        : Find(baseDirectory) ?? throw new CliUsageException(
            $"no --model given and no bundled demo model was found ({RelativePath} beside {baseDirectory} or in the Meridian checkout above it); " +
            "pass --model with a GGUF file, a Hugging Face model directory or a llama2.c checkpoint");
}
