// The SPIR-V committed in Shaders/spv is what glslc makes of the GLSL today: every variant listed in
// Shaders/Shaders.props is compiled again with the build's exact command and compared byte for byte, so a shader
// edited without rebuilding (or a build without glslc) can never run stale code unnoticed.
using System.Diagnostics;
using System.Xml.Linq;

namespace Meridian.Backends.Vulkan.Tests;

public sealed class ShaderBinaryTests
{
    [SkippableFact]
    public void CommittedSpirv_EqualsGlslcOutput_ForEveryVariant()
    {
        string shaders = ShadersDir();
        Skip.IfNot(Glslc(["--version"], shaders).ExitCode == 0, "glslc is not installed; the committed SPIR-V cannot be checked here (apt-get install glslc)");
        var variants = XDocument.Load(Path.Combine(shaders, "Shaders.props")).Descendants()
            .Where(e => e.Name.LocalName == "VulkanShader").ToList();
        Assert.NotEmpty(variants);
        using var dir = new TempDir();
        var stale = new List<string>();
        foreach (var v in variants)
        {
            string name = v.Attribute("Include")!.Value, source = v.Attribute("Source")!.Value;
            string defines = v.Attribute("Defines")?.Value ?? "";
            string output = dir.File(name + ".spv");
            var args = new List<string> { "-fshader-stage=compute", "--target-env=vulkan1.2", "-O" };
            args.AddRange(defines.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            args.AddRange([source, "-o", output]);
            var r = Glslc(args, shaders);
            Assert.True(r.ExitCode == 0, $"glslc {name}: {r.Error}");
            string committed = Path.Combine(shaders, "spv", name + ".spv");
            if (!File.Exists(committed) || !File.ReadAllBytes(committed).AsSpan().SequenceEqual(File.ReadAllBytes(output)))
                stale.Add(name);
        }
        Assert.True(stale.Count == 0, $"stale or missing SPIR-V (rebuild the Vulkan project with glslc and commit Shaders/spv): {string.Join(", ", stale)}");
        // And nothing committed that no variant produces.
        var listed = variants.Select(v => v.Attribute("Include")!.Value + ".spv").ToHashSet();
        Assert.All(Directory.GetFiles(Path.Combine(shaders, "spv"), "*.spv"), f => Assert.Contains(Path.GetFileName(f), listed));
    }

    private static (int ExitCode, string Error) Glslc(IEnumerable<string> args, string workingDir)
    {
        var info = new ProcessStartInfo("glslc") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = workingDir };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(info)!;
            string error = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "glslc not found");
        }
    }

    private static string ShadersDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "Meridian.Backends.Vulkan", "Shaders");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("src/Meridian.Backends.Vulkan/Shaders not found above the test binaries");
    }
}
