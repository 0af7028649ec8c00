// One tokenizer implementation under test, behind the two calls the benchmark times. Peers are wrapped
// so that every engine returns plain int ids with nothing added (no BOS), ready to compare with ours.
namespace Meridian.Bench.Tokenize;

internal abstract class BenchEngine : IDisposable
{
    /// <summary>Short name used in the table and JSON: meridian, hf-tokenizers, ml-tokenizers.</summary>
    public abstract string Name { get; }

    /// <summary>The engine's own encode call on the whole text: this, and only this, is timed.</summary>
    public abstract object EncodeRaw(string text);

    /// <summary>Turns what <see cref="EncodeRaw"/> returned into ids without BOS/EOS (not timed).</summary>
    public abstract int[] ToIds(object raw);

    /// <summary>Puts ids in the form the engine's decode takes (not timed).</summary>
    public virtual object PrepareIds(int[] ids) => ids;

    /// <summary>The engine's own decode call on what <see cref="PrepareIds"/> returned (timed).</summary>
    public abstract string Decode(object prepared);

    public virtual void Dispose()
    {
    }
}
