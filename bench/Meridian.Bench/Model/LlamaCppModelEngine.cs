// llama.cpp (LLamaSharp 0.30.0, CPU backend) under `bench model`: same file, threads, context and
// batch as Meridian. A fresh context per run (outside the timer) stands for an empty KV cache.
using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Meridian.Bench.Model;

internal sealed class LlamaCppModelEngine : IModelEngine
{
    private readonly ModelParams _params;
    private readonly LLamaWeights _weights;

    static LlamaCppModelEngine()
    {
        // llama.cpp logs every load at length; keep stderr for our progress.
        NativeLogConfig.LLamaLogCallback quiet = (_, _) => { };
        if (NativeLibraryConfig.LLama.LibraryHasLoaded)
            NativeLogConfig.llama_log_set(quiet);
        else
            NativeLibraryConfig.All.WithLogCallback(quiet);
    }

    public LlamaCppModelEngine(string path, int threads, int capacity, int batch, bool f16Kv)
    {
        _params = new ModelParams(path)
        {
            ContextSize = (uint)capacity,
            GpuLayerCount = 0,
            Threads = threads,
            BatchThreads = threads,
            BatchSize = (uint)batch,
            UBatchSize = (uint)batch,
            TypeK = f16Kv ? LLama.Native.GGMLType.GGML_TYPE_F16 : LLama.Native.GGMLType.GGML_TYPE_F32,
            TypeV = f16Kv ? LLama.Native.GGMLType.GGML_TYPE_F16 : LLama.Native.GGMLType.GGML_TYPE_F32,
        };
        _weights = LLamaWeights.LoadFromFile(_params);
    }

    public string Name => "llama.cpp";

    public double Prefill(int[] prompt)
    {
        using var context = _weights.CreateContext(_params);
        var batch = new LLamaBatch();
        for (int i = 0; i < prompt.Length; i++)
            batch.Add(prompt[i], i, LLamaSeqId.Zero, i == prompt.Length - 1);
        var clock = Stopwatch.StartNew();
        Check(context.Decode(batch));
        return clock.Elapsed.TotalSeconds;
    }

    public double Decode(int[] tokens)
    {
        using var context = _weights.CreateContext(_params);
        var batch = new LLamaBatch();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < tokens.Length; i++)
        {
            batch.Clear();
            batch.Add(tokens[i], i, LLamaSeqId.Zero, true);
            Check(context.Decode(batch));
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok)
            throw new InvalidOperationException($"llama.cpp decode failed: {result}");
    }

    public void Dispose() => _weights.Dispose();
}
