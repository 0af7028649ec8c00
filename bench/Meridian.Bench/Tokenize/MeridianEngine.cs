// Ours: Meridian.Tokenizers, encoding without BOS (addSpecial: false) and without parsing special tokens.
using Meridian.Tokenizers;

namespace Meridian.Bench.Tokenize;

internal sealed class MeridianEngine(Tokenizer tokenizer) : BenchEngine
{
    public const string EngineName = "meridian";

    public override string Name => EngineName;

    public Tokenizer Tokenizer => tokenizer;

    public override object EncodeRaw(string text) => tokenizer.Encode(text);

    public override int[] ToIds(object raw) => (int[])raw;

    public override string Decode(object prepared) => tokenizer.Decode((int[])prepared);
}
