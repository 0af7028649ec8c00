// Path-scoped access to a model file's weights (candle's VarBuilder::pp). Models ask for weights by
// llama.cpp's GGUF names ("blk.3.attn_q.weight"); each file format translates them in one place.
using Meridian.Core;
using Meridian.Core.Backends;

namespace Meridian.Models.Weights;

/// <summary>
/// Weights of one open model file, named as in GGUF. <see cref="Pp"/> returns a view whose names
/// are relative to a prefix, so a layer reads "attn_q.weight" from "blk.N".
/// </summary>
public abstract class WeightSource
{
    /// <summary>Where the weights come from (a path), for messages.</summary>
    public abstract string Origin { get; }

    /// <summary>The full name of <paramref name="name"/> in this scope.</summary>
    protected virtual string Qualify(string name) => name;

    /// <summary>The name a weight has in the file, for messages (the GGUF-style name where they agree).</summary>
    protected internal virtual string StoredName(string fullName) => fullName;

    /// <summary>Looks up a weight by its full GGUF-style name.</summary>
    protected internal abstract WeightData? Find(string fullName);

    /// <summary>A view of this source under <paramref name="prefix"/> (joined with '.').</summary>
    public WeightSource Pp(string prefix) => new Scoped(this, Qualify(prefix));

    /// <summary>The weight called <paramref name="name"/> in this scope, or null.</summary>
    public WeightData? TryGet(string name) => Find(Qualify(name));

    /// <summary>
    /// The weight called <paramref name="name"/>, checked to be [rows, cols]; a missing weight or a
    /// wrong shape is a <see cref="ModelFormatException"/> naming it.
    /// </summary>
    public WeightData Get(string name, int rows, int cols)
    {
        string full = Qualify(name);
        var w = Find(full) ?? throw new ModelFormatException($"{Origin}: required tensor '{StoredName(full)}' is missing");
        if (w.Rows != rows || w.Cols != cols)
            throw new ModelFormatException($"{Origin}: tensor '{w.Name}' is [{w.Rows}, {w.Cols}] but the config implies [{rows}, {cols}]");
        return w;
    }

    /// <summary>The name of expert <paramref name="expert"/> of a mixture-of-experts tensor: "ffn_gate_exps.weight" → "ffn_gate_exps.5.weight".</summary>
    public static string ExpertName(string name, int expert)
    {
        int dot = name.LastIndexOf('.');
        return $"{name[..dot]}.{expert}{name[dot..]}";
    }

    /// <summary>The tensor and expert of an <see cref="ExpertName"/>, or (null, 0) when the name is not one.</summary>
    public static (string? Tensor, int Expert) SplitExpertName(string name)
    {
        int last = name.LastIndexOf('.');
        int previous = last > 0 ? name.LastIndexOf('.', last - 1) : -1;
        if (previous < 0 || !int.TryParse(name.AsSpan(previous + 1, last - previous - 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out int expert))
            return (null, 0);
        return (name[..previous] + name[last..], expert);
    }

    private sealed class Scoped(WeightSource root, string prefix) : WeightSource
    {
        public override string Origin => root.Origin;

        protected override string Qualify(string name) => prefix + "." + name;

        protected internal override WeightData? Find(string fullName) => root.Find(fullName);

        protected internal override string StoredName(string fullName) => root.StoredName(fullName);
    }
}
