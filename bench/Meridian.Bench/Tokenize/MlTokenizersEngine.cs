// Microsoft.ML.Tokenizers 2.0.1 BpeTokenizer (managed), decode and encode to ids. It is built from the same
// tokenizer.json by MlTokenizersOptions; it has no ignore_merges and no NFC normalizer (see there).
using Microsoft.ML.Tokenizers;

namespace Meridian.Bench.Tokenize;

internal sealed class MlTokenizersEngine(BpeTokenizer tokenizer) : BenchEngine
{
    public const string EngineName = "ml-tokenizers";

    public override string Name => EngineName;

    public override object EncodeRaw(string text) =>
        tokenizer.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true);

    public override int[] ToIds(object raw) => [.. (IReadOnlyList<int>)raw];

    public override string Decode(object prepared) => tokenizer.Decode((int[])prepared);
}
