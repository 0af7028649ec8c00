// Opens a model and its tokenizer for `run`, `chat` and `serve` on the device --device names (resolved through
// the composition root's CliBackends), and starts the engine they all generate through.
// Without --model, the bundled demo model (BundledModel). A llama2.c checkpoint carries no vocabulary, so its tokenizer.bin or tok*.bin beside it is used.
using Meridian.Core.Backends;
using Meridian.Engine.Serving;
using Meridian.Models;
using Meridian.Models.Tokenizers;
using Meridian.Tokenizers;

namespace Meridian.Cli.Run;

internal sealed class LoadedModel : IDisposable
{
    private readonly IDevice[] _devices; // resolved for this model alone: disposed with it

    private LoadedModel(ILanguageModel model, Tokenizer tokenizer, IDevice[] devices)
    {
        Model = model;
        Tokenizer = tokenizer;
        _devices = devices;
    }

    public ILanguageModel Model { get; }

    public Tokenizer Tokenizer { get; }

    /// <summary>The fallback placement the model runs with, or null when its device runs every op.</summary>
    public FallbackDevice? Fallback => Model.Device as FallbackDevice;

    /// <summary>
    /// Opens the model on the device <paramref name="device"/> names, resolved through <paramref name="backends"/>
    /// (default: <see cref="CliBackends.Create"/>; tests pass a registry of their own).
    /// </summary>
    /// <paramref name="kvCacheBytes"/> is the KV cache the caller's engine will take (context the model was trained
    /// for, bytes per position → bytes; default: what <see cref="StartEngine"/> takes at most), so that a model that
    /// does not fit its device beside it is refused before upload.
    public static LoadedModel Open(string? modelPath, string? tokenizerPath, DeviceChoice device, TextWriter stderr,
        Func<int?, BackendRegistry>? backends = null, Func<int, long, long>? kvCacheBytes = null)
    {
        modelPath = BundledModel.Resolve(modelPath, AppContext.BaseDirectory);
        var tokenizer = TokenizerLoader.Load(tokenizerPath ?? FindTokenizer(modelPath));
        var registry = (backends ?? CliBackends.Create)(device.Threads);
        var target = registry.Resolve(device.Device);
        var options = new ModelLoadOptions
        {
            KvType = device.KvType,
            KvCacheBytes = kvCacheBytes ?? ((context, perToken) => perToken * InteractiveContext(context)),
            FallbackDevice = device.AllowFallback && target.Kind != DeviceKind.Cpu ? registry.Resolve("cpu") : null,
        };
        IDevice[] devices = options.FallbackDevice is { } cpu ? [target, cpu] : [target];
        ILanguageModel model;
        try
        {
            model = ModelLoader.Load(modelPath, target, options);
        }
        catch
        {
            foreach (var d in devices)
                d.Dispose();
            throw;
        }
        try
        {
            if (tokenizer.VocabSize > model.VocabSize)
                throw new CliUsageException($"the tokenizer has {tokenizer.VocabSize} tokens but the model only {model.VocabSize}");
            var loaded = new LoadedModel(model, tokenizer, devices);
            if (loaded.Fallback is { } fallback)
                stderr.WriteLine($"meridian: {fallback.Describe()}");
            return loaded;
        }
        catch
        {
            model.Dispose();
            foreach (var d in devices)
                d.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An engine for one user at a time (run, chat): a KV cache of <paramref name="context"/> positions, prefill in
    /// steps of up to <paramref name="maxBatchTokens"/> tokens. The same engine and forward pass `serve` runs.
    /// </summary>
    public LlmEngine StartEngine(int context, int maxBatchTokens = 256)
    {
        const int blockSize = 16;
        return new LlmEngine(Model, Tokenizer, chatTemplate: null, new LlmEngineOptions
        {
            BlockSize = blockSize,
            KvBlocks = (context + blockSize - 1) / blockSize,
            MaxContext = Math.Max(2, context),
            MaxRunning = 1,
            MaxQueue = 1,
            MaxBatchTokens = Math.Max(1, Math.Min(maxBatchTokens, context)),
        });
    }

    /// <summary>
    /// The KV cache positions run and chat give a model trained for <paramref name="contextLength"/>: its context,
    /// kept within 512..8192 so that a small file's understated context still leaves room and a huge one cannot take
    /// all memory (run may take fewer, for a short -n).
    /// </summary>
    public static int InteractiveContext(int contextLength) => Math.Clamp(contextLength, 512, 8192);

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

    /// <summary>Frees the model, then the devices resolved for it (their worker threads).</summary>
    public void Dispose()
    {
        Model.Dispose();
        if (Fallback is { } fallback)
        {
            fallback.Dispose(); // disposes the device and the CPU it wraps
            return;
        }
        foreach (var d in _devices)
            d.Dispose();
    }
}
