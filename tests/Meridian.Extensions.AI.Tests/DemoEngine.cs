// The bundled demo model (models/demo/meridian-demo.gguf, project-owned) on the CPU backend behind a
// real LlmEngine, loaded once per test class. Tests skip with a reason when the checkout lacks it.
using Meridian.Backends.Cpu;
using Meridian.Engine.Serving;
using Meridian.Models;
using Meridian.Models.Tokenizers;
using Meridian.Tokenizers;
using Meridian.Tokenizers.Templates;

namespace Meridian.Extensions.AI.Tests;

public sealed class DemoEngine : IDisposable
{
    private readonly CpuDevice? _device;

    public DemoEngine()
    {
        Path = FindModel();
        if (Path is null)
            return;
        _device = new CpuDevice(threads: 2);
        Model = ModelLoader.Load(Path, _device);
        Tokenizer = TokenizerLoader.Load(Path);
        var template = Tokenizer.Spec.ChatTemplate is { } source ? ChatTemplate.Parse(source, "demo chat template") : null;
        Engine = new LlmEngine(Model, Tokenizer, template, new LlmEngineOptions { ModelName = "meridian-demo" });
    }

    public string? Path { get; }

    public ILanguageModel Model { get; } = null!;

    public Tokenizer Tokenizer { get; } = null!;

    public LlmEngine Engine { get; } = null!;

    public void RequireModel() =>
        Skip.If(Path is null, "models/demo/meridian-demo.gguf not found above the test binaries; skipping a test that needs the demo model");

    public void Dispose()
    {
        Engine?.Dispose();
        Model?.Dispose();
        _device?.Dispose();
    }

    private static string? FindModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (!File.Exists(System.IO.Path.Combine(dir.FullName, "Meridian.slnx")))
                continue;
            string path = System.IO.Path.Combine(dir.FullName, "models", "demo", "meridian-demo.gguf");
            return File.Exists(path) ? path : null;
        }
        return null;
    }
}
