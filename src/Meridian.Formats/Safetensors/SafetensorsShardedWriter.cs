// Writes a model as safetensors shards plus model.safetensors.index.json, split the way
// huggingface_hub's split_torch_state_dict_into_shards does (serialization/_base.py).
using System.Text.Json;

namespace Meridian.Formats.Safetensors;

/// <summary>
/// Splits tensors into shards of at most <see cref="MaxShardBytes"/> tensor bytes, in the order
/// they were added: a tensor that would tip the current shard over starts a new one, and a tensor
/// larger than the limit gets a shard of its own. Shards are named
/// model-0000i-of-0000n.safetensors; when everything fits in one, the result is a plain
/// model.safetensors with no index (as transformers' save_pretrained does). Metadata goes into
/// every shard; the index gets "metadata": {"total_size"} and a key-sorted "weight_map".
/// </summary>
public sealed class SafetensorsShardedWriter
{
    private readonly List<SafetensorsPendingTensor> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _metadata = [];

    /// <summary>Creates a writer whose shards hold at most <paramref name="maxShardBytes"/> bytes of tensor data each.</summary>
    public SafetensorsShardedWriter(long maxShardBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        MaxShardBytes = maxShardBytes;
    }

    /// <summary>The shard size limit in tensor bytes (headers not counted, as in huggingface_hub).</summary>
    public long MaxShardBytes { get; }

    /// <summary>Sets a "__metadata__" entry written into every shard.</summary>
    public void AddMetadata(string key, string value)
    {
        SafetensorsPendingTensor.CheckMetadata(key, value);
        _metadata.RemoveAll(kv => kv.Key == key);
        _metadata.Add(new(key, value));
    }

    /// <summary>Adds a tensor; the same contract as <see cref="SafetensorsWriter.AddTensor"/>.</summary>
    public void AddTensor(string name, SafetensorsDType dtype, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> data)
    {
        var entry = SafetensorsPendingTensor.Create(name, dtype, shape, data);
        if (!_names.Add(name))
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        _tensors.Add(entry);
    }

    /// <summary>
    /// Writes the shards and (when there is more than one) the index into <paramref name="directory"/>,
    /// each atomically, index last. Returns the file names written, shards first.
    /// </summary>
    public IReadOnlyList<string> Write(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var shards = Split();
        string indexPath = Path.Combine(directory, SafetensorsModel.IndexFileName);
        if (shards.Count <= 1)
        {
            ShardWriter(shards.Count == 0 ? [] : shards[0]).Write(Path.Combine(directory, SafetensorsModel.SingleFileName));
            // A stale index would shadow the new single file when the directory is opened.
            File.Delete(indexPath);
            return [SafetensorsModel.SingleFileName];
        }

        var names = new List<string>(shards.Count);
        var weightMap = new List<KeyValuePair<string, string>>();
        long totalSize = 0;
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            ShardWriter(shards[i]).Write(Path.Combine(directory, name));
            names.Add(name);
            foreach (var t in shards[i])
            {
                weightMap.Add(new(t.Name, name));
                totalSize += t.Data.Length;
            }
        }
        weightMap.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        WriteAtomically(indexPath, BuildIndex(totalSize, weightMap));
        names.Add(SafetensorsModel.IndexFileName);
        return names;
    }

    /// <summary>Groups tensors into shards (huggingface_hub's greedy rule, oversized tensors alone).</summary>
    internal List<List<SafetensorsPendingTensor>> Split()
    {
        var shards = new List<List<SafetensorsPendingTensor>>();
        var current = new List<SafetensorsPendingTensor>();
        long currentSize = 0;
        foreach (var t in _tensors)
        {
            long size = t.Data.Length;
            if (size > MaxShardBytes)
            {
                shards.Add([t]);
                continue;
            }
            if (currentSize + size > MaxShardBytes)
            {
                shards.Add(current);
                current = [];
                currentSize = 0;
            }
            current.Add(t);
            currentSize += size;
        }
        if (current.Count > 0)
            shards.Add(current);
        return shards;
    }

    private SafetensorsWriter ShardWriter(List<SafetensorsPendingTensor> tensors)
    {
        var writer = new SafetensorsWriter();
        foreach (var (key, value) in _metadata)
            writer.AddMetadata(key, value);
        foreach (var t in tensors)
            writer.Add(t);
        return writer;
    }

    /// <summary>The index as transformers writes it: json.dumps(index, indent=2, sort_keys=True) + "\n".</summary>
    private static byte[] BuildIndex(long totalSize, List<KeyValuePair<string, string>> weightMap)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (tensor, file) in weightMap)
                json.WriteString(tensor, file);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
