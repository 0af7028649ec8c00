// llama.cpp (through LLamaSharp) as the independent reader of GGUF files. Loading failures are
// test failures carrying llama.cpp's own log, never skips: a missing native library is a broken
// test environment, not an absent optional fixture. Linked into the test projects that reference LLamaSharp.
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Meridian.Tests.Shared;

internal static class LlamaCppReference
{
    private static readonly StringBuilder NativeLog = new();

    static LlamaCppReference()
    {
        // Keep llama.cpp's log for failure messages instead of flooding the test output.
        NativeLogConfig.LLamaLogCallback keep = (level, message) =>
        {
            lock (NativeLog)
            {
                // Keep the newest part: failure messages show the tail.
                if (NativeLog.Length > 400_000)
                    NativeLog.Remove(0, 200_000);
                NativeLog.Append(message);
            }
        };
        // Configuration is only allowed before the native library loads.
        if (NativeLibraryConfig.LLama.LibraryHasLoaded)
            NativeLogConfig.llama_log_set(keep);
        else
            NativeLibraryConfig.All.WithLogCallback(keep);
    }

    /// <summary>Loads <paramref name="path"/> on the CPU; vocab-only skips the tensors (files that have none need it).</summary>
    public static LLamaWeights Load(string path, bool vocabOnly) =>
        Load(new ModelParams(path) { VocabOnly = vocabOnly, GpuLayerCount = 0 });

    /// <summary>Loads with the caller's parameters; a failure carries the tail of llama.cpp's log.</summary>
    public static LLamaWeights Load(ModelParams p)
    {
        try
        {
            return LLamaWeights.LoadFromFile(p);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"llama.cpp could not load {p.ModelPath}: {e.GetType().Name}: {e.Message}\n--- llama.cpp log ---\n{LogTail()}", e);
        }
    }

    /// <summary>Loads without wrapping the failure, for files llama.cpp is expected to refuse.</summary>
    public static LLamaWeights TryLoad(string path, bool vocabOnly) =>
        LLamaWeights.LoadFromFile(new ModelParams(path)
        {
            VocabOnly = vocabOnly,
            GpuLayerCount = 0,
        });

    /// <summary>
    /// llama.cpp's quantizer (llama_model_quantize) on <paramref name="src"/>, output tensor included as
    /// llama-quantize does by default; a failure carries the tail of llama.cpp's log.
    /// </summary>
    public static void Quantize(string src, string dst, LLamaFtype ftype)
    {
        NativeApi.llama_empty_call(); // loads the native library as configured above (the quantizer alone does not)
        if (!LLamaQuantizer.Quantize(src, dst, ftype, nthread: 1, allowRequantize: false, quantizeOutputTensor: true))
            throw new InvalidOperationException($"llama.cpp could not quantize {src} to {ftype}\n--- llama.cpp log ---\n{LogTail()}");
    }

    /// <summary>The last few KB llama.cpp logged, for failure messages.</summary>
    public static string LogTail()
    {
        lock (NativeLog)
        {
            string log = NativeLog.ToString();
            return log[Math.Max(0, log.Length - 4000)..];
        }
    }
}
