// GPT-OSS weights from a Hugging Face checkpoint (transformers' GptOssForCausalLM), asked for by GGUF names. Most
// tensors are renamed only; the experts are stored differently and are rebuilt here, once, into memory this source
// owns (it lives as long as the model):
//   - gate and up share one tensor with their outputs interleaved (gate = even, up = odd);
//   - dequantized checkpoints store experts for x · W (gate_up_proj [E, D, 2F], down_proj [E, F, D]), so each
//     expert's matrix is transposed to GGUF's [out, in] in the checkpoint's dtype;
//   - MXFP4 checkpoints (quantization_config.quant_method "mxfp4", as OpenAI ships them) store *_blocks
//     [E, out, in / 32, 16] and *_scales [E, out, in / 32]: the same E8M0 scales and E2M1 codes as GGUF's MXFP4,
//     but with consecutive values in a byte's low and high nibbles where GGUF puts value j and j + 16, so each
//     block's codes are re-laid and the scale put in front (17 bytes), as llama.cpp's converter does.
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Meridian.Core;
using Meridian.Core.Backends;
using Meridian.Core.Tensors;
using Meridian.Formats.Safetensors;
using Meridian.Models.Weights;

namespace Meridian.Models.GptOss;

/// <summary>The weights of a GPT-OSS Hugging Face directory by GGUF names; owns the open files and the rebuilt experts.</summary>
public sealed partial class GptOssHfWeightSource : WeightSource, IDisposable
{
    private static readonly Dictionary<string, string> LayerNames = new()
    {
        ["attn_norm"] = "input_layernorm",
        ["attn_q"] = "self_attn.q_proj",
        ["attn_k"] = "self_attn.k_proj",
        ["attn_v"] = "self_attn.v_proj",
        ["attn_output"] = "self_attn.o_proj",
        ["post_attention_norm"] = "post_attention_layernorm",
        ["ffn_gate_inp"] = "mlp.router",
    };

    private readonly SafetensorsModel _model;
    private readonly SafetensorsWeightSource _renamed;
    private readonly List<GCHandle> _owned = [];

    /// <summary>A source over <paramref name="model"/>, which it disposes.</summary>
    public GptOssHfWeightSource(SafetensorsModel model)
    {
        _model = model;
        _renamed = new SafetensorsWeightSource(model, HfName);
    }

    /// <inheritdoc />
    public override string Origin => _model.Directory;

    /// <summary>The Hugging Face name of a renamed (not rebuilt) tensor, or null.</summary>
    public static string? HfName(string ggufName)
    {
        var m = Sinks().Match(ggufName);
        return m.Success ? $"model.layers.{m.Groups[1].Value}.self_attn.sinks" : SafetensorsWeightSource.MapName(ggufName, LayerNames, SafetensorsWeightSource.GlobalNames);
    }

    /// <inheritdoc />
    protected internal override string StoredName(string fullName) => HfName(fullName) ?? fullName;

    /// <inheritdoc />
    protected internal override WeightData? Find(string fullName)
    {
        var expert = Expert().Match(fullName);
        if (expert.Success)
            return ExpertMatrix(int.Parse(expert.Groups[1].Value), expert.Groups[2].Value, int.Parse(expert.Groups[3].Value), fullName);
        var bias = ExpertBias().Match(fullName);
        if (bias.Success)
            return ExpertBiases(int.Parse(bias.Groups[1].Value), bias.Groups[2].Value, fullName);
        return _renamed.Find(fullName);
    }

    // Expert e's gate, up or down matrix of layer l, [out, in] in the checkpoint's dtype (or GGUF MXFP4).
    private WeightData? ExpertMatrix(int layer, string kind, int e, string name)
    {
        string stem = $"model.layers.{layer}.mlp.experts.{(kind == "down" ? "down_proj" : "gate_up_proj")}";
        if (_model.TryGetTensor(stem + "_blocks", out var blocks))
        {
            var scales = Tensor(stem + "_scales");
            var s = blocks.Shape;
            if (blocks.DType != SafetensorsDType.U8 || s.Length != 4 || s[3] != 16 || scales.DType != SafetensorsDType.U8
                || scales.Shape.Length != 3 || scales.Shape[0] != s[0] || scales.Shape[1] != s[1] || scales.Shape[2] != s[2])
                throw new ModelFormatException($"{Origin}: '{blocks.Name}' [{string.Join(", ", s)}] and '{scales.Name}' are not MXFP4 blocks [E, out, in/32, 16] and scales [E, out, in/32]");
            if (e >= s[0])
                return null;
            int outRows = (int)s[1], groups = (int)s[2];
            int rows = kind == "down" ? outRows : outRows / 2;
            var blockData = _model.GetTensorData(blocks.Name);
            var scaleData = _model.GetTensorData(scales.Name);
            var bytes = Own(rows * groups * 17);
            for (int r = 0; r < rows; r++)
            {
                int source = kind == "down" ? r : 2 * r + (kind == "up" ? 1 : 0); // gate and up interleave their outputs
                long row = (long)e * outRows + source;
                for (int g = 0; g < groups; g++)
                {
                    var dst = bytes.AsSpan((r * groups + g) * 17, 17);
                    dst[0] = scaleData[(int)(row * groups + g)];
                    var codes = blockData.Slice((int)((row * groups + g) * 16), 16);
                    // value 2j is byte j's low nibble, 2j + 1 its high one; GGUF: byte j holds values j and j + 16
                    for (int j = 0; j < 16; j++)
                    {
                        int lo = Code(codes, j), hi = Code(codes, j + 16);
                        dst[1 + j] = (byte)(lo | hi << 4);
                    }
                }
            }
            return Pinned(name, DType.MXFP4, rows, groups * 32, bytes);
        }
        var w = Tensor(stem);
        var sh = w.Shape;
        if (sh.Length != 3 || !w.DType.TryToDType(out var type) || type is not (DType.F32 or DType.F16 or DType.BF16))
            throw new ModelFormatException($"{Origin}: '{w.Name}' is {w.DType} [{string.Join(", ", sh)}]; a 3-D f32, f16 or bf16 tensor [E, in, out] was expected");
        if (e >= sh[0])
            return null;
        int inDim = (int)sh[1], outDim = (int)sh[2], width = checked((int)type.ByteSize(1));
        int outputs = kind == "down" ? outDim : outDim / 2;
        var data = _model.GetTensorData(w.Name);
        var result = Own(outputs * inDim * width);
        long expertBase = (long)e * inDim * outDim;
        for (int r = 0; r < outputs; r++)
        {
            int column = kind == "down" ? r : 2 * r + (kind == "up" ? 1 : 0);
            for (int c = 0; c < inDim; c++)
                data.Slice((int)((expertBase + (long)c * outDim + column) * width), width).CopyTo(result.AsSpan((r * inDim + c) * width, width));
        }
        return Pinned(name, type, outputs, inDim, result);
    }

    // The gate, up or down biases of every expert of layer l, [E, width] f32.
    private WeightData? ExpertBiases(int layer, string kind, string name)
    {
        var b = Tensor($"model.layers.{layer}.mlp.experts.{(kind == "down" ? "down_proj_bias" : "gate_up_proj_bias")}");
        if (b.Shape.Length != 2 || !b.DType.TryToDType(out var type) || type is not (DType.F32 or DType.F16 or DType.BF16))
            throw new ModelFormatException($"{Origin}: '{b.Name}' is {b.DType} [{string.Join(", ", b.Shape)}]; a 2-D [E, width] float tensor was expected");
        int experts = (int)b.Shape[0], stored = (int)b.Shape[1], width = kind == "down" ? stored : stored / 2;
        var all = new float[experts * stored];
        Core.Quant.QuantCodecs.DequantizeReference(type, _model.GetTensorData(b.Name), all);
        var bytes = Own(experts * width * 4);
        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        for (int e = 0; e < experts; e++)
        {
            for (int i = 0; i < width; i++)
                values[e * width + i] = all[e * stored + (kind == "down" ? i : 2 * i + (kind == "up" ? 1 : 0))];
        }
        return Pinned(name, DType.F32, experts, width, bytes);
    }

    private static int Code(ReadOnlySpan<byte> hfCodes, int value) => (value & 1) == 0 ? hfCodes[value / 2] & 0x0F : hfCodes[value / 2] >> 4;

    private SafetensorsTensorInfo Tensor(string name) =>
        _model.TryGetTensor(name, out var info) ? info : throw new ModelFormatException($"{Origin}: required tensor '{name}' is missing");

    private byte[] Own(int length)
    {
        var bytes = new byte[length];
        _owned.Add(GCHandle.Alloc(bytes, GCHandleType.Pinned));
        return bytes;
    }

    private unsafe WeightData Pinned(string name, DType type, int rows, int cols, byte[] bytes)
    {
        fixed (byte* p = bytes) // pinned for the source's lifetime by Own's handle
            return WeightData.FromPinned(name, type, rows, cols, p, bytes.Length);
    }

    /// <summary>Closes the files and frees the rebuilt experts.</summary>
    public void Dispose()
    {
        foreach (var h in _owned)
            h.Free();
        _owned.Clear();
        _model.Dispose();
    }

    [GeneratedRegex(@"^blk\.(\d+)\.ffn_(gate|up|down)_exps\.(\d+)\.weight$")]
    private static partial Regex Expert();

    [GeneratedRegex(@"^blk\.(\d+)\.ffn_(gate|up|down)_exps\.bias$")]
    private static partial Regex ExpertBias();

    [GeneratedRegex(@"^blk\.(\d+)\.attn_sinks\.weight$")]
    private static partial Regex Sinks();
}
