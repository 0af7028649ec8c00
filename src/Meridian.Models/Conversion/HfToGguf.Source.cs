// Conversion for an architecture whose Hugging Face tensors need rebuilding, not just renaming (GPT-OSS's experts):
// the tensors are read through the architecture's own weight source (ModelArchitecture.HfSource), the same one the
// loader uses, and written in the spec's list order with each kind of expert stacked into one 3-D tensor.
using Meridian.Core;
using Meridian.Core.Tensors;
using Meridian.Formats.Gguf;
using Meridian.Formats.Safetensors;
using Meridian.Models.Architectures;
using Meridian.Models.Weights;

namespace Meridian.Models.Conversion;

public static partial class HfToGguf
{
    private static void ConvertThroughSource(string hfDir, string outputPath, HfToGgufOptions options, QuantRecipe recipe, IGgufConvertible spec,
        Func<SafetensorsModel, WeightSource> open)
    {
        spec.Validate(hfDir);
        spec.CheckGgufExpressible(hfDir);
        var w = StartFile(hfDir, spec.Architecture, options, recipe, spec.AddHyperParameters, spec.Shape.Vocab);
        var model = SafetensorsModel.Open(hfDir);
        var source = open(model);
        try
        {
            // Experts grouped under their 3-D tensor's name, in the list's order; optional tensors the checkpoint lacks left out.
            var groups = new List<(string Name, List<ArchTensor> Parts)>();
            foreach (var t in spec.Tensors())
            {
                if (t.Optional && source.TryGet(t.Name) is null)
                    continue;
                var (stack, _) = WeightSource.SplitExpertName(t.Name);
                if (stack != null && t.Name.Contains("_exps.", StringComparison.Ordinal))
                {
                    int at = groups.FindIndex(g => g.Name == stack); // experts may come kind by kind or expert by expert
                    if (at >= 0)
                        groups[at].Parts.Add(t);
                    else
                        groups.Add((stack, [t]));
                    continue;
                }
                groups.Add((t.Name, [t]));
            }
            bool tied = !groups.Any(g => g.Name == "output.weight");
            for (int i = 0; i < groups.Count; i++)
            {
                var (name, parts) = groups[i];
                var weights = parts.Select(p => source.Get(p.Name, p.Rows, p.Cols)).ToList();
                var first = parts[0];
                int rows = first.Rows, cols = first.Cols;
                bool vector = first.Role == WeightRole.Vector;
                long[] dims = parts.Count > 1 ? [cols, rows, parts.Count] : rows == 1 && vector ? [cols] : [cols, rows];
                var target = vector ? DType.F32 : recipe.TypeFor(name, dims, DType.F32, spec.Shape.Layers, tied, out string? note);
                long bytes = target.ByteSize((long)rows * cols) * parts.Count;
                string position = $"[{i + 1}/{groups.Count}]";
                w.AddTensor(name, target, dims, bytes, stream =>
                {
                    options.Progress?.Invoke($"{position} {name} [{string.Join(", ", dims)}]: {weights[0].Type.Name()} -> {target.Name()}, {bytes} bytes");
                    foreach (var weight in weights)
                    {
                        if (weight.Type == target)
                        {
                            stream.Write(weight.Span);
                            continue;
                        }
                        RowConverter.Write(stream, weight.Type, weight.Span, target, rows, cols);
                    }
                });
            }
            w.Write(outputPath);
        }
        finally
        {
            if (source is IDisposable disposable)
                disposable.Dispose();
            else
                model.Dispose();
        }
    }
}
