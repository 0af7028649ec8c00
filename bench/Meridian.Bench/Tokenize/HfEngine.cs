// Hugging Face tokenizers (Rust, crate 0.22 with onig) through Tokenizers.DotNet 1.4.1. Its Encode passes the
// UTF-16 string over FFI, runs encode_fast(text, add_special_tokens: true) and copies the ids back; all of
// that is inside the timed call, as it is for any .NET caller. Decode skips special tokens.
namespace Meridian.Bench.Tokenize;

internal sealed class HfEngine(string tokenizerJsonPath, int bosId) : BenchEngine
{
    public const string EngineName = "hf-tokenizers";

    private readonly global::Tokenizers.DotNet.Tokenizer _tokenizer = new(tokenizerJsonPath);

    public override string Name => EngineName;

    public string NativeVersion => _tokenizer.GetVersion();

    public override object EncodeRaw(string text) => _tokenizer.Encode(text);

    public override int[] ToIds(object raw)
    {
        uint[] ids = (uint[])raw;
        // The post-processor may add BOS (add_special_tokens is always true here); ours was asked for none.
        int skip = ids.Length > 0 && bosId >= 0 && ids[0] == (uint)bosId ? 1 : 0;
        var result = new int[ids.Length - skip];
        for (int i = 0; i < result.Length; i++)
            result[i] = checked((int)ids[i + skip]);
        return result;
    }

    public override object PrepareIds(int[] ids)
    {
        var u = new uint[ids.Length];
        for (int i = 0; i < ids.Length; i++)
            u[i] = (uint)ids[i];
        return u;
    }

    public override string Decode(object prepared) => _tokenizer.Decode((uint[])prepared);

    public override void Dispose() => _tokenizer.Dispose();
}
