// Names and versions of the peer libraries, as the assemblies report them, for the output header.
using System.Reflection;

namespace Meridian.Bench.Tokenize;

internal static class PeerVersions
{
    public static IReadOnlyList<string> Describe() =>
    [
        $"hf-tokenizers: Hugging Face tokenizers (Rust, native libhf_tokenizers) via Tokenizers.DotNet {VersionOf(typeof(global::Tokenizers.DotNet.Tokenizer))}",
        $"ml-tokenizers: Microsoft.ML.Tokenizers {VersionOf(typeof(Microsoft.ML.Tokenizers.BpeTokenizer))} BpeTokenizer (managed)",
    ];

    private static string VersionOf(Type type)
    {
        var assembly = type.Assembly;
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        // Drop a "+commit" suffix: the package version is what identifies it.
        return informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "?";
    }
}
