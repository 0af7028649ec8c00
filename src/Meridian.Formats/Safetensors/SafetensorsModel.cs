// A Hugging Face model directory's weights: one model.safetensors, or shards listed by
// model.safetensors.index.json ("weight_map": tensor -> shard file), exposed as one set of tensors.
// Index layout: https://huggingface.co/docs/transformers/main/en/big_models (sharded checkpoints)
using System.Text.Json;

namespace Meridian.Formats.Safetensors;

/// <summary>
/// All safetensors weights of a model directory, by tensor name. For a sharded model the index's
/// weight_map is the authority: every mapped tensor must exist in its shard, and tensors a shard
/// holds but the map does not list are ignored (as transformers does). "metadata.total_size" is
/// not checked (real indexes are often off).
/// </summary>
public sealed class SafetensorsModel : IDisposable
{
    /// <summary>The single-file weights name.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The sharded index name.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>An index larger than this is refused before reading (real ones are well under 1 MB per 10k tensors).</summary>
    internal const long MaxIndexBytes = 100_000_000;

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, (SafetensorsFile File, SafetensorsTensorInfo Info)> _tensors;

    private SafetensorsModel(string directory, List<SafetensorsFile> files, Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)> tensors)
    {
        Directory = directory;
        _files = files;
        _tensors = tensors;
    }

    /// <summary>The model directory (full path).</summary>
    public string Directory { get; }

    /// <summary>The open files: one, or the shards in first-use order.</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>Every tensor name the model exposes.</summary>
    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <summary>Number of tensors the model exposes.</summary>
    public int TensorCount => _tensors.Count;

    /// <summary>
    /// Opens <paramref name="directory"/>: the index when present, else model.safetensors.
    /// Throws <see cref="SafetensorsFormatException"/> when neither is there, a shard is missing or
    /// outside the directory, or a mapped tensor is absent from its shard.
    /// </summary>
    public static SafetensorsModel Open(string directory)
    {
        string dir = System.IO.Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(dir))
            throw new DirectoryNotFoundException($"no such directory: {dir}");
        string index = System.IO.Path.Combine(dir, IndexFileName);
        if (File.Exists(index))
            return OpenSharded(dir, index);
        string single = System.IO.Path.Combine(dir, SingleFileName);
        if (!File.Exists(single))
            throw new SafetensorsFormatException(dir, $"neither {SingleFileName} nor {IndexFileName} is in the directory");

        var file = SafetensorsFile.Open(single);
        var tensors = new Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)>(StringComparer.Ordinal);
        foreach (var t in file.Tensors)
            tensors.Add(t.Name, (file, t));
        return new SafetensorsModel(dir, [file], tensors);
    }

    /// <summary>The tensor named <paramref name="name"/>; <see cref="KeyNotFoundException"/> naming it when absent.</summary>
    public SafetensorsTensorInfo GetTensor(string name) => Find(name).Info;

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGetTensor(string name, out SafetensorsTensorInfo info)
    {
        bool found = _tensors.TryGetValue(name, out var entry);
        info = entry.Info!;
        return found;
    }

    /// <summary>The file that holds <paramref name="name"/>.</summary>
    public SafetensorsFile GetFile(string name) => Find(name).File;

    /// <summary>The tensor's raw bytes, a view into its shard's map (no copy).</summary>
    public ReadOnlySpan<byte> GetTensorData(string name)
    {
        var (file, info) = Find(name);
        return file.GetTensorData(info);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var f in _files)
            f.Dispose();
    }

    private (SafetensorsFile File, SafetensorsTensorInfo Info) Find(string name) =>
        _tensors.TryGetValue(name, out var entry) ? entry : throw new KeyNotFoundException($"{Directory}: no tensor named '{name}'");

    private static SafetensorsModel OpenSharded(string dir, string indexPath)
    {
        var weightMap = ReadWeightMap(dir, indexPath);
        var files = new List<SafetensorsFile>();
        try
        {
            var open = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            var tensors = new Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)>(weightMap.Count, StringComparer.Ordinal);
            foreach (var (tensor, shardPath) in weightMap)
            {
                if (!open.TryGetValue(shardPath, out var file))
                {
                    if (!File.Exists(shardPath))
                        throw new SafetensorsFormatException(indexPath, $"shard file {shardPath} is missing", tensor);
                    file = SafetensorsFile.Open(shardPath);
                    files.Add(file);
                    open.Add(shardPath, file);
                }
                if (!file.TryGetTensor(tensor, out var info))
                    throw new SafetensorsFormatException(indexPath, $"weight_map puts it in {System.IO.Path.GetFileName(shardPath)}, which has no such tensor", tensor);
                tensors.Add(tensor, (file, info));
            }
            return new SafetensorsModel(dir, files, tensors);
        }
        catch
        {
            foreach (var f in files)
                f.Dispose();
            throw;
        }
    }

    /// <summary>Reads weight_map as tensor -> full shard path, refusing shards outside <paramref name="dir"/>.</summary>
    private static List<KeyValuePair<string, string>> ReadWeightMap(string dir, string indexPath)
    {
        long length = new FileInfo(indexPath).Length;
        if (length > MaxIndexBytes)
            throw new SafetensorsFormatException(indexPath, $"index is {length} bytes, over the {MaxIndexBytes}-byte limit");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(indexPath), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(indexPath, $"index is not valid JSON: {e.Message}", inner: e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException(indexPath, "index has no 'weight_map' object");

            string root = dir.EndsWith(System.IO.Path.DirectorySeparatorChar) ? dir : dir + System.IO.Path.DirectorySeparatorChar;
            var result = new List<KeyValuePair<string, string>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (!seen.Add(entry.Name))
                    throw new SafetensorsFormatException(indexPath, "weight_map lists the tensor twice", entry.Name);
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new SafetensorsFormatException(indexPath, $"weight_map value must be a file name string, found {entry.Value.ValueKind}", entry.Name);
                string shard = entry.Value.GetString()!;
                // Shard names are plain file names in practice; anything that resolves outside the
                // directory (absolute, "..", a drive) is refused so an index cannot reach other files.
                string full = shard.Length == 0 || shard.Contains('\0') || System.IO.Path.IsPathRooted(shard)
                    ? ""
                    : System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, shard));
                if (!full.StartsWith(root, StringComparison.Ordinal))
                    throw new SafetensorsFormatException(indexPath, $"shard name '{shard}' is not a file inside {dir}", entry.Name);
                result.Add(new(entry.Name, full));
            }
            return result;
        }
    }
}
