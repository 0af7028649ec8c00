// Opens a model and its tokenizer for `run` and `chat`: the composition root picks the CPU backend.
// Without --model, the bundled demo model (BundledModel). A llama2.c checkpoint carries no vocabulary, so its tokenizer.bin or tok*.bin beside it is used.
using Meridian.Backends.Cpu;
using Meridian.Models;
using Meridian.Models.Tokenizers;
using Meridian.Tokenizers;

namespace Meridian.Cli.Run;

internal sealed class LoadedModel : IDisposable
{
    private readonly CpuDevice _device;

    private LoadedModel(CpuDevice device, ILanguageModel model, Tokenizer tokenizer)
    {
        _device = device;
        Model = model;
        Tokenizer = tokenizer;
    }

    public ILanguageModel Model { get; }

    public Tokenizer Tokenizer { get; }

    public static LoadedModel Open(string? modelPath, string? tokenizerPath, int? threads)
    {
        modelPath = BundledModel.Resolve(modelPath, AppContext.BaseDirectory);
        if (threads is < 1)
            throw new CliUsageException($"--threads must be at least 1, not {threads}");
        var tokenizer = TokenizerLoader.Load(tokenizerPath ?? FindTokenizer(modelPath));
        var device = new CpuDevice(threads);
        try
        {
            var model = ModelLoader.Load(modelPath, device);
            if (tokenizer.VocabSize > model.VocabSize)
                throw new CliUsageException($"the tokenizer has {tokenizer.VocabSize} tokens but the model only {model.VocabSize}");
            return new LoadedModel(device, model, tokenizer);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    private static string FindTokenizer(string modelPath)
    {
        if (Directory.Exists(modelPath))
        {
            if (File.Exists(Path.Combine(modelPath, "tokenizer.json")))
                return modelPath;
            throw new CliUsageException($"{modelPath} has no tokenizer.json; give one with --tokenizer");
        }
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"no such model file or directory: {modelPath}", modelPath);
        if (ModelLoader.IsGguf(modelPath))
            return modelPath;
        // llama2.c: run.c's default tokenizer.bin, else tok*.bin (tok512.bin ships with stories260K).
        string dir = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        string plain = Path.Combine(dir, "tokenizer.bin");
        if (File.Exists(plain))
            return plain;
        var candidates = Directory.GetFiles(dir, "tok*.bin").Order(StringComparer.Ordinal).ToArray();
        return candidates.Length switch
        {
            1 => candidates[0],
            0 => throw new CliUsageException($"{modelPath} is a llama2.c checkpoint without a vocabulary and there is no tokenizer.bin or tok*.bin beside it; give one with --tokenizer"),
            _ => throw new CliUsageException($"several tokenizers beside {modelPath} ({string.Join(", ", candidates.Select(Path.GetFileName))}); choose one with --tokenizer"),
        };
    }

    public void Dispose()
    {
        Model.Dispose();
        _device.Dispose();
    }
}
