// Converts a Hugging Face Llama-family checkpoint (config.json + *.safetensors [+ tokenizer.json])
// into GGUF under llama.cpp's key and tensor names and layouts, as convert_hf_to_gguf.py does
// (https://github.com/ggml-org/llama.cpp/blob/master/convert_hf_to_gguf.py, LlamaModel / Qwen2Model).
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Quant;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Formats.HuggingFace;
using Meridian.Formats.Safetensors;
using Meridian.Models.Architectures;
using Meridian.Models.Llama;
using Meridian.Models.Weights;

namespace Meridian.Models.Conversion;

/// <summary>Hugging Face directory -> GGUF file (Llama, Mistral, Qwen2, Qwen3; Gemma 2 and 3 through their <see cref="IGgufConvertible"/> spec).</summary>
public static partial class HfToGguf
{
    /// <summary>
    /// Converts the checkpoint in <paramref name="hfDir"/> to <paramref name="outputPath"/>. Tensors are
    /// streamed from the mapped safetensors row by row; the file appears under its name only when complete.
    /// </summary>
    public static void Convert(string hfDir, string outputPath, HfToGgufOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hfDir);
        ArgumentNullException.ThrowIfNull(outputPath);
        options ??= new HfToGgufOptions();
        var recipe = options.Recipe ?? QuantRecipe.Parse(options.Type.Name());
        string configPath = Path.Combine(hfDir, "config.json");
        if (!File.Exists(configPath))
            throw new ModelFormatException($"{hfDir}: no config.json, so this is not a Hugging Face model directory");
        // Refuse to replace any file of the checkpoint (the tensors are read from it while writing).
        string fullOutput = Path.GetFullPath(outputPath);
        if (Directory.GetFiles(hfDir).Any(f => string.Equals(Path.GetFullPath(f), fullOutput, StringComparison.Ordinal)))
            throw new ArgumentException($"output {outputPath} would overwrite a file of the input checkpoint {hfDir}", nameof(outputPath));
        var hf = HfConfig.Load(configPath);
        var architecture = Architectures.Architectures.ForHf(hf.ModelType ?? throw new ModelFormatException($"{hfDir}: config.json has no 'model_type'"), hfDir);
        if (architecture.FromHf(hf, hfDir) is IGgufConvertible convertible)
        {
            if (architecture.HfSource is { } source)
                ConvertThroughSource(hfDir, outputPath, options, recipe, convertible, source);
            else
                ConvertArchitecture(hfDir, outputPath, options, recipe, convertible, architecture.HfName);
            return;
        }
        var config = LlamaConfig.FromHf(hf, hfDir);
        // llama.cpp has no "mistral" architecture: convert_hf_to_gguf writes Mistral as "llama".
        string arch = config.Architecture == "mistral" ? "llama" : config.Architecture;
        var w = StartFile(hfDir, arch, options, recipe, k => AddHyperParameters(k, arch, config), config.VocabSize);
        using var model = SafetensorsModel.Open(hfDir);

        var names = TensorNames(config, model, hf.TieWordEmbeddings ?? false).ToList();
        bool tied = !names.Contains("output.weight");
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i].EndsWith("_exps.weight", StringComparison.Ordinal))
                AddExperts(w, model, names[i], architecture.HfName, config.ExpertCount, config.NumHiddenLayers, recipe, i, names.Count, options.Progress);
            else
                AddTensor(w, model, config, names[i], architecture.HfName, recipe, tied, i, names.Count, options.Progress);
        }
        if (config.RopeFreqFactors is { } factors)
        {
            // Llama 3.1+ rope_scaling (type llama3): llama.cpp reads the per-frequency divisors from a
            // rope_freqs.weight tensor, as convert_hf_to_gguf writes it.
            var bytes = new byte[factors.Length * sizeof(float)];
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(factors.AsSpan()).CopyTo(bytes);
            w.AddTensor("rope_freqs.weight", DType.F32, [factors.Length], bytes);
            options.Progress?.Invoke($"rope_freqs.weight [{factors.Length}]: f32 from rope_scaling {hf.RopeScaling?.RopeType}");
        }
        w.Write(outputPath);
    }

    // An architecture that states its GGUF keys and tensor list (IGgufConvertible): the keys, the tokenizer, then every
    // tensor of the list in its order, vectors with their Hugging Face offset added (Gemma's norms), nothing permuted.
    private static void ConvertArchitecture(string hfDir, string outputPath, HfToGgufOptions options, QuantRecipe recipe, IGgufConvertible spec,
        Func<string, string?> hfNames)
    {
        spec.Validate(hfDir);
        spec.CheckGgufExpressible(hfDir);
        var w = StartFile(hfDir, spec.Architecture, options, recipe, spec.AddHyperParameters, spec.Shape.Vocab);
        using var model = SafetensorsModel.Open(hfDir);
        var tensors = spec.Tensors().Where(t => !t.Optional || model.TryGetTensor(hfNames(t.Name) ?? "", out _)).ToList();
        bool tied = !tensors.Any(t => t.Name == "output.weight");
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            string hfName = hfNames(t.Name) ?? throw new InvalidOperationException($"{spec.Architecture} names no Hugging Face tensor for {t.Name}");
            AddTensor(w, model, t.Name, hfName, t.HfOffset, permuteHeads: 0, spec.Shape.Layers, recipe, tied, i, tensors.Count, options.Progress);
        }
        foreach (var (name, values) in spec.ComputedTensors())
        {
            w.AddTensor(name, DType.F32, [values.Length], System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
            options.Progress?.Invoke($"{name} [{values.Length}]: f32 from config.json");
        }
        w.Write(outputPath);
    }

    // A new file's keys before its tensors: general ones, the user's metadata, the architecture's hyperparameters, then
    // the tokenizer (the options' or the checkpoint's tokenizer.json, where there is one) over a vocabulary of `vocab`.
    private static GgufWriter StartFile(string hfDir, string arch, HfToGgufOptions options, QuantRecipe recipe, Action<GgufWriter> addHyperParameters, int vocab)
    {
        var tokenizer = options.Tokenizer ?? (File.Exists(Path.Combine(hfDir, "tokenizer.json")) ? Tokenizers.TokenizerLoader.LoadSpec(hfDir) : null);
        var w = new GgufWriter();
        w.Add("general.architecture", arch);
        w.Add("general.name", options.Name ?? new DirectoryInfo(Path.GetFullPath(hfDir)).Name);
        w.Add("general.file_type", recipe.FileType);
        w.Add("general.quantization_version", 2u);
        foreach (var (key, value) in options.Metadata ?? new Dictionary<string, string>())
            w.Add(key, value);
        addHyperParameters(w);
        if (tokenizer != null)
            AddTokenizer(w, tokenizer, vocab, hfDir);
        return w;
    }

    private static void AddHyperParameters(GgufWriter w, string arch, LlamaConfig c)
    {
        w.Add($"{arch}.vocab_size", (uint)c.VocabSize);
        c.AddDecoderKeys(w, arch, c.IntermediateSize);
        w.Add($"{arch}.rope.dimension_count", (uint)c.HeadDim);
        if (c.IsMoe)
        {
            w.Add($"{arch}.expert_count", (uint)c.ExpertCount);
            w.Add($"{arch}.expert_used_count", (uint)c.ExpertsUsed);
            if (c.ExpertIntermediateSize != c.IntermediateSize || arch == "qwen3moe")
                w.Add($"{arch}.expert_feed_forward_length", (uint)c.ExpertIntermediateSize);
        }
    }

    // GGUF names in llama.cpp's order, from the list the loader plans with (LlamaConfig.Tensors): experts stacked
    // into one name per kind; output.weight only for untied checkpoints that have lm_head.
    private static IEnumerable<string> TensorNames(LlamaConfig c, SafetensorsModel model, bool tied)
    {
        foreach (var t in c.Tensors())
        {
            var (stack, expert) = WeightSource.SplitExpertName(t.Name);
            if (stack != null && t.Name.Contains("_exps.", StringComparison.Ordinal))
            {
                if (expert == 0)
                    yield return stack;
                continue;
            }
            if (t.Name == "output.weight" && (tied || !model.TryGetTensor("lm_head.weight", out _)))
                continue;
            yield return t.Name;
        }
    }

    private static void AddTensor(GgufWriter w, SafetensorsModel model, LlamaConfig c, string name, Func<string, string?> hfNames, QuantRecipe recipe, bool tied,
        int index, int count, Action<string>? progress)
    {
        // llama.cpp's LlamaModel.permute: HF keeps each Q/K head as [two halves][Dh/2] (rotate-half);
        // ggml's NORM rope wants [Dh/2][pairs] (interleaved). Qwen2/3 use NEOX rope: no permutation.
        bool permute = c.RopeLayout == RopeLayout.RotateHalf && c.Architecture is "llama" or "mistral"
            && (name.Contains(".attn_q.", StringComparison.Ordinal) || name.Contains(".attn_k.", StringComparison.Ordinal));
        int heads = name.Contains(".attn_q.", StringComparison.Ordinal) ? c.NumAttentionHeads : c.NumKeyValueHeads;
        AddTensor(w, model, name, hfNames(name)!, 0f, permute ? heads : 0, c.NumHiddenLayers, recipe, tied, index, count, progress);
    }

    // E experts, one HF tensor each ([rows, cols], one dtype), stacked into one GGUF tensor of ggml ne = [cols, rows, E]
    // in the recipe's type (ffn_down_exps by ffn_down's rule), expert by expert, row by row.
    private static void AddExperts(GgufWriter w, SafetensorsModel model, string name, Func<string, string?> hfNames, int experts, int layers, QuantRecipe recipe,
        int index, int count, Action<string>? progress)
    {
        var hf = new string[experts];
        int rows = 0, cols = 0;
        DType source = DType.F32;
        for (int e = 0; e < experts; e++)
        {
            hf[e] = hfNames(WeightSource.ExpertName(name, e)) ?? throw new InvalidOperationException($"no Hugging Face name for expert {e} of {name}");
            if (!model.TryGetTensor(hf[e], out var info))
                throw new ModelFormatException($"{model.Directory}: required tensor '{hf[e]}' (expert {e} of GGUF '{name}') is missing");
            if (!info.DType.TryToDType(out var type) || type is not (DType.F32 or DType.F16 or DType.BF16))
                throw new ModelFormatException($"{model.Directory}: tensor '{hf[e]}' has dtype {info.DType}; only F32, F16 and BF16 sources are supported");
            if (info.Shape.Length != 2 || info.Shape[0] > int.MaxValue || info.Shape[1] > int.MaxValue / 4)
                throw new ModelFormatException($"{model.Directory}: tensor '{hf[e]}' has shape [{string.Join(", ", info.Shape)}]; a 2-D weight was expected");
            if (e == 0)
                (rows, cols, source) = ((int)info.Shape[0], (int)info.Shape[1], type);
            else if (info.Shape[0] != rows || info.Shape[1] != cols || type != source)
                throw new ModelFormatException($"{model.Directory}: expert {e} '{hf[e]}' is {info.DType} [{string.Join(", ", info.Shape)}], expert 0 {source.Name()} [{rows}, {cols}]");
            if (info.ByteLength != source.ByteSize((long)rows * cols))
                throw new ModelFormatException($"{model.Directory}: tensor '{hf[e]}' has {info.ByteLength} bytes of data, expected {source.ByteSize((long)rows * cols)}");
        }
        long[] dims = [cols, rows, experts];
        var target = recipe.TypeFor(name, dims, DType.F32, layers, outputIsEmbedding: false, out string? note);
        if (note != null)
            progress?.Invoke($"note: {note}");
        long bytes = target.ByteSize((long)rows * cols) * experts;
        w.AddTensor(name, target, dims, bytes, stream =>
        {
            progress?.Invoke($"[{index + 1}/{count}] {name} [{string.Join(", ", dims)}]: {experts} experts, {source.Name()} -> {target.Name()}, {bytes} bytes");
            for (int e = 0; e < experts; e++)
                RowConverter.Write(stream, source, model.GetTensorData(hf[e]), target, rows, cols);
        });
    }

    // One tensor: HF bytes (f32/f16/bf16) to the recipe's type, row by row. permuteHeads > 0: Q/K rows (or a bias)
    // permuted from rotate-half to interleaved pairs over that many heads; offset: added to a vector (Gemma's norms).
    private static void AddTensor(GgufWriter w, SafetensorsModel model, string name, string hfName, float offset, int permuteHeads, int layers,
        QuantRecipe recipe, bool tied, int index, int count, Action<string>? progress)
    {
        if (!model.TryGetTensor(hfName, out var info))
            throw new ModelFormatException($"{model.Directory}: required tensor '{hfName}' (GGUF '{name}') is missing");
        if (!info.DType.TryToDType(out var source) || source is not (DType.F32 or DType.F16 or DType.BF16))
            throw new ModelFormatException($"{model.Directory}: tensor '{hfName}' has dtype {info.DType}; only F32, F16 and BF16 sources are supported");
        var s = info.Shape;
        if (s.Length is 0 or > 2 || s[^1] > int.MaxValue / 4 || (s.Length == 2 ? s[0] : 1) > int.MaxValue)
            throw new ModelFormatException($"{model.Directory}: tensor '{hfName}' has shape [{string.Join(", ", s)}]; a 1-D or 2-D weight was expected");
        int rows = s.Length == 2 ? (int)s[0] : 1, cols = (int)s[^1];
        bool permute = permuteHeads > 0;
        int heads = Math.Max(1, permuteHeads);

        long[] dims = s.Length == 2 ? [cols, rows] : [cols];
        // Vectors (norms, biases) stay F32; matrices get the recipe's type, with llama-quantize's
        // fallbacks for rows that are not whole blocks (said through progress).
        var type = recipe.TypeFor(name, dims, DType.F32, layers, tied, out string? note);
        if (offset != 0 && s.Length != 1)
            throw new InvalidOperationException($"{name}: an offset applies to vectors only");
        if (note != null)
            progress?.Invoke($"note: {note}");
        long bytes = type.ByteSize((long)rows * cols);
        int srcRowBytes = checked((int)source.ByteSize(cols)), dstRowBytes = checked((int)type.ByteSize(cols));
        if (info.ByteLength != (long)srcRowBytes * rows)
            throw new ModelFormatException($"{model.Directory}: tensor '{hfName}' has {info.ByteLength} bytes of data, expected {(long)srcRowBytes * rows}");
        if (permute && (s.Length == 2 ? rows : cols) % (2 * heads) != 0)
            throw new ModelFormatException($"{model.Directory}: tensor '{hfName}' has {rows} rows, not whole heads of even size for {heads} heads");

        w.AddTensor(name, type, dims, bytes, stream =>
        {
            progress?.Invoke($"[{index + 1}/{count}] {name} [{string.Join(", ", dims)}]: {source.Name()} -> {type.Name()}, {bytes} bytes");
            var data = model.GetTensorData(hfName);
            if (s.Length == 1)
            {
                var row = new float[cols];             // [cols] f32
                var outRow = new byte[dstRowBytes];    // [cols] in the target type
                // A 1-D tensor is one row; a permuted one is a Q/K bias of [heads * Dh].
                QuantCodecs.DequantizeReference(source, data, row);
                for (int i = 0; offset != 0 && i < row.Length; i++)
                    row[i] += offset;
                if (permute)
                    row = PermuteVector(row, heads);
                QuantCodecs.QuantizeReference(type, row, outRow);
                stream.Write(outRow);
                return;
            }
            int headDim = rows / heads;
            RowConverter.Write(stream, source, data, type, rows, cols, permute ? r => PermutedRow((int)r, headDim) : null);
        });
    }

    /// <summary>
    /// The HF row that becomes GGUF row <paramref name="r"/> under llama.cpp's Q/K permutation
    /// (reshape(heads, 2, Dh/2).swapaxes(1, 2)): out[h, i, j] = in[h, j, i] for i &lt; Dh/2, j &lt; 2.
    /// </summary>
    internal static int PermutedRow(int r, int headDim)
    {
        int h = r / headDim, within = r % headDim, half = headDim / 2;
        int i = within / 2, j = within % 2;
        return h * headDim + j * half + i;
    }

    private static float[] PermuteVector(float[] v, int heads)
    {
        var result = new float[v.Length];
        int headDim = v.Length / heads;
        for (int r = 0; r < v.Length; r++)
            result[r] = v[PermutedRow(r, headDim)];
        return result;
    }
}
