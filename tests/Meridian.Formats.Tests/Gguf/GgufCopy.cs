// Test helper: a GgufWriter holding everything a GgufFile has (metadata in order, tensors
// streamed from the source map), so a rewrite can be compared with the original byte for byte.
using Meridian.Formats.Gguf;

namespace Meridian.Formats.Tests.Gguf;

internal static class GgufCopy
{
    /// <summary>The source must stay open until the writer has written.</summary>
    public static GgufWriter ToWriter(GgufFile source)
    {
        var writer = new GgufWriter();
        foreach (var entry in source.Metadata)
            writer.Add(entry.Key, entry.Value);
        foreach (var t in source.Tensors)
            writer.AddTensor(t.Name, t.Type, t.Dimensions, t.ByteSize, s => s.Write(source.GetTensorData(t)));
        return writer;
    }
}
