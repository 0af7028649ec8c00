// ModelInspector for llama2.c checkpoints, with tokenizer.bin / tok*.bin found beside them.
using Meridian.Core;
using Meridian.Formats.Llama2C;

namespace Meridian.Formats.Inspection;

public static partial class ModelInspector
{
    private static ModelSummary InspectLlama2C(string path)
    {
        using var ckpt = Llama2CCheckpoint.Open(path);
        var c = ckpt.Config;
        var tensors = ckpt.Tensors
            .Select(t => new TensorSummary(t.Name, "F32", t.Shape, t.Offset, t.ByteLength))
            .ToList();
        return new ModelSummary
        {
            Format = "llama2c",
            Version = c.Format == Llama2CFormat.Legacy ? 0 : 1,
            Path = path,
            FileSize = new FileInfo(path).Length,
            Architecture = "llama",
            Name = Path.GetFileNameWithoutExtension(path),
            ContextLength = c.SeqLen,
            EmbeddingLength = c.Dim,
            BlockCount = c.NumLayers,
            HeadCount = c.NumHeads,
            HeadCountKv = c.NumKvHeads,
            FeedForwardLength = c.HiddenDim,
            KeyLength = c.HeadSize,
            VocabSize = c.VocabSize,
            RmsNormEps = 1e-5,           // run.c hard-codes this epsilon
            RopeFreqBase = 10000.0,      // and this theta
            RopeDimensionCount = c.HeadSize,
            Tokenizer = Llama2CTokenizerSummary(path, c.VocabSize),
            TensorCount = tensors.Count,
            TensorBytes = tensors.Sum(t => t.Bytes),
            Dtypes = DtypeUsage(tensors),
            Tensors = tensors,
            Metadata = [],
        };
    }

    // llama2.c keeps the vocabulary in a separate tokenizer.bin; run.c users keep it beside the
    // checkpoint, sometimes under another name (tok512.bin for stories260K).
    private static TokenizerSummary? Llama2CTokenizerSummary(string checkpointPath, int vocabSize)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!;
        var candidates = new List<string> { Path.Combine(dir, "tokenizer.bin") };
        candidates.AddRange(Directory.GetFiles(dir, "tok*.bin").Order(StringComparer.Ordinal));
        foreach (string candidate in candidates.Distinct())
        {
            if (!File.Exists(candidate) || Path.GetFullPath(candidate) == Path.GetFullPath(checkpointPath))
                continue;
            try
            {
                var tok = Llama2CTokenizer.Load(candidate, vocabSize);
                return new TokenizerSummary
                {
                    Model = "llama2c",
                    TokenCount = tok.Count,
                    BosTokenId = 1, // run.c's fixed ids
                    EosTokenId = 2,
                    HasChatTemplate = false,
                    Source = candidate,
                };
            }
            catch (ModelFormatException)
            {
                // Not a tokenizer for this vocabulary size; try the next candidate.
            }
        }
        return null;
    }
}
