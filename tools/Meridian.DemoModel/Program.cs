// Turns the demo model's Hugging Face export (tools/demo-model, PyTorch) into the GGUF that Meridian
// bundles as its default model (issue 5), with general.* metadata naming the training text.
//   dotnet run --project tools/Meridian.DemoModel [-- [HF_DIR] [OUT.gguf] [--type F16|Q8_0]]
// Defaults: models/demo/hf -> models/demo/meridian-demo.gguf in the checkout, F16.
using Meridian.Core.Tensors;
using Meridian.Models.Conversion;

const long MaxBytes = 20L << 20; // issue 5: the committed file stays at most 20 MB

// The weights come only from public-domain text and the project's own training code; they are
// dedicated to the public domain under CC0 1.0, as models/demo/SOURCE.md states.
var metadata = new Dictionary<string, string>
{
    ["general.description"] = "Meridian's demo model: a small Llama-architecture model trained from scratch by tools/demo-model " +
        "on the King James Version of the Bible (plain verses and ChatML verse requests), with its own byte-level BPE vocabulary.",
    ["general.license"] = "CC0-1.0",
    ["general.source.url"] = "https://packages.debian.org/bookworm/bible-kjv",
    ["general.source.description"] = "Training text: the King James Version of the Bible (1611/1769), public domain, from Debian's bible-kjv package.",
    ["general.organization"] = "Meridian",
};

var positional = new List<string>();
var type = DType.F16;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--type" && i + 1 < args.Length)
    {
        type = args[++i].ToUpperInvariant() switch
        {
            "F16" => DType.F16,
            "Q8_0" => DType.Q8_0,
            "F32" => DType.F32,
            string t => throw new ArgumentException($"--type {t} is not supported (F16, Q8_0, F32)"),
        };
    }
    else
        positional.Add(args[i]);
}

string root = FindCheckout() ?? Directory.GetCurrentDirectory();
string hfDir = positional.Count > 0 ? positional[0] : Path.Combine(root, "models", "demo", "hf");
string output = positional.Count > 1 ? positional[1] : Path.Combine(root, "models", "demo", "meridian-demo.gguf");
if (!Directory.Exists(hfDir))
{
    Console.Error.WriteLine($"meridian-demo-model: no Hugging Face export at {hfDir}; run tools/demo-model first");
    return 1;
}

HfToGguf.Convert(hfDir, output, new HfToGgufOptions
{
    Type = type,
    Name = "Meridian demo (KJV)",
    Metadata = metadata,
    Progress = line => Console.Error.WriteLine(line),
});
long bytes = new FileInfo(output).Length;
Console.Error.WriteLine($"wrote {output} ({type.Name()}, {bytes / 1e6:F1} MB)");
if (bytes > MaxBytes)
{
    Console.Error.WriteLine($"meridian-demo-model: {output} is {bytes} bytes, over the {MaxBytes}-byte budget for a committed model; use --type Q8_0 or a smaller model");
    return 1;
}
return 0;

// The first folder above the working directory that holds Meridian.slnx.
static string? FindCheckout()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir != null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Meridian.slnx")))
            return dir.FullName;
    return null;
}
