// The flags every command that runs a model shares: which device (--device), CPU threads, the KV cache dtype
// (--kv-type) and whether ops the device lacks may run on the CPU (--allow-fallback).
using System.CommandLine;
using Meridian.Core.Tensors;

namespace Meridian.Cli.Run;

internal sealed class DeviceFlags
{
    private readonly Option<string?> _device = new("--device") { Description = "Device to run on: BACKEND or BACKEND:INDEX, e.g. cpu (see `meridian devices`; default: the best available)" };
    private readonly Option<int?> _threads = new("--threads", "-t") { Description = "CPU threads (default: all processors)" };
    private readonly Option<string> _kvType = new("--kv-type") { Description = "KV cache dtype: f32 (exact) or f16 (half the memory, llama.cpp's default)", DefaultValueFactory = _ => "f32" };
    private readonly Option<bool> _allowFallback = new("--allow-fallback") { Description = "Run ops the device does not support on the CPU (reported at start-up and in /metrics) instead of refusing the model" };

    public void AddTo(Command command)
    {
        command.Add(_device);
        command.Add(_threads);
        command.Add(_kvType);
        command.Add(_allowFallback);
    }

    public DeviceChoice Parse(ParseResult parse)
    {
        int? threads = parse.GetValue(_threads);
        if (threads is < 1)
            throw new CliUsageException($"--threads must be at least 1, not {threads}");
        string kv = parse.GetValue(_kvType) ?? "f32";
        var kvType = kv.ToLowerInvariant() switch
        {
            "f32" => DType.F32,
            "f16" => DType.F16,
            _ => throw new CliUsageException($"--kv-type must be f32 or f16, not '{kv}'"),
        };
        return new DeviceChoice(parse.GetValue(_device), threads, kvType, parse.GetValue(_allowFallback));
    }
}

/// <summary>What <see cref="DeviceFlags"/> parsed.</summary>
internal sealed record DeviceChoice(string? Device, int? Threads, DType KvType, bool AllowFallback);
