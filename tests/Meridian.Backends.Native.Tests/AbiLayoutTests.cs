// The C# declarations of the ABI against the C compiler's view of native/include/meridian_backend.h: the
// layout program (native/abi_layout.c) prints sizeof and offsetof of every struct and field, and the header's
// constants; each must equal what the runtime lays out for the C# struct, or a plugin would read garbage.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Meridian.Backends.Native.Interop;

namespace Meridian.Backends.Native.Tests;

public sealed unsafe class AbiLayoutTests
{
    [SkippableFact]
    public void CDeclarations_LayoutProgram_SameSizesOffsetsAndConstants()
    {
        var lines = RunLayoutProgram();
        var csharp = CSharpLayout();
        int compared = 0;
        var mismatches = new List<string>();
        foreach (var line in lines)
        {
            var parts = line.Split(' ');
            string key = parts[0] switch
            {
                "sizeof" => $"sizeof {parts[1]}",
                "offsetof" => $"{parts[1]}.{parts[2]}",
                "const" => $"const {parts[1]}",
                _ => throw new InvalidDataException($"unexpected line from the layout program: '{line}'"),
            };
            long c = long.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture);
            if (!csharp.TryGetValue(key, out long cs))
                mismatches.Add($"{key}: C says {c}, C# declares nothing");
            else if (cs != c)
                mismatches.Add($"{key}: C says {c}, C# {cs}");
            compared++;
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        // Every C# entry was printed by the C side too (none of ours unchecked), and the program printed them all.
        var printed = lines.Select(l => l.Split(' ')).Select(p => p[0] == "offsetof" ? $"{p[1]}.{p[2]}" : $"{p[0]} {p[1]}").ToHashSet();
        Assert.DoesNotContain(csharp.Keys, k => !printed.Contains(k));
        Assert.Equal(csharp.Count, compared);
    }

    private static List<string> RunLayoutProgram()
    {
        string program = TestPlugins.RequireProgram("meridian-abi-layout");
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), "the layout program did not finish");
        Assert.Equal(0, p.ExitCode);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    private static string Pascal(string snake) =>
        string.Concat(snake.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static long Offset<T>(ref T s, ref byte field) => Unsafe.ByteOffset(ref Unsafe.As<T, byte>(ref s), ref field);

    // Offsets read off real instances (Unsafe.ByteOffset), so they are the runtime's layout, InlineArray included.
    private static Dictionary<string, long> CSharpLayout()
    {
        var d = new Dictionary<string, long>();
        var ext = default(MbExtension);
        d["sizeof mb_extension"] = sizeof(MbExtension);
        d["mb_extension.struct_size"] = Offset(ref ext, ref Unsafe.As<nuint, byte>(ref ext.StructSize));
        d["mb_extension.next"] = Marshal.OffsetOf<MbExtension>(nameof(MbExtension.Next));
        d["mb_extension.type"] = Offset(ref ext, ref Unsafe.As<uint, byte>(ref ext.Type));
        d["mb_extension.reserved"] = Offset(ref ext, ref Unsafe.As<uint, byte>(ref ext.Reserved));

        var props = default(MbDeviceProps);
        d["sizeof mb_device_props"] = sizeof(MbDeviceProps);
        d["mb_device_props.struct_size"] = Offset(ref props, ref Unsafe.As<nuint, byte>(ref props.StructSize));
        d["mb_device_props.next"] = Marshal.OffsetOf<MbDeviceProps>(nameof(MbDeviceProps.Next));
        d["mb_device_props.name"] = Offset(ref props, ref props.Name[0]);
        d["mb_device_props.kind"] = Offset(ref props, ref Unsafe.As<uint, byte>(ref props.Kind));
        d["mb_device_props.reserved"] = Offset(ref props, ref Unsafe.As<uint, byte>(ref props.Reserved));
        d["mb_device_props.memory_bytes"] = Offset(ref props, ref Unsafe.As<ulong, byte>(ref props.MemoryBytes));
        d["mb_device_props.max_allocation_bytes"] = Offset(ref props, ref Unsafe.As<ulong, byte>(ref props.MaxAllocationBytes));
        d["mb_device_props.alignment"] = Offset(ref props, ref Unsafe.As<ulong, byte>(ref props.Alignment));

        var t = default(MbTensor);
        d["sizeof mb_tensor"] = sizeof(MbTensor);
        d["mb_tensor.struct_size"] = Offset(ref t, ref Unsafe.As<nuint, byte>(ref t.StructSize));
        d["mb_tensor.next"] = Marshal.OffsetOf<MbTensor>(nameof(MbTensor.Next));
        d["mb_tensor.buffer"] = Offset(ref t, ref Unsafe.As<nint, byte>(ref t.Buffer));
        d["mb_tensor.offset"] = Offset(ref t, ref Unsafe.As<ulong, byte>(ref t.Offset));
        d["mb_tensor.dtype"] = Offset(ref t, ref Unsafe.As<uint, byte>(ref t.DType));
        d["mb_tensor.reserved"] = Offset(ref t, ref Unsafe.As<uint, byte>(ref t.Reserved));
        d["mb_tensor.ne"] = Offset(ref t, ref Unsafe.As<long, byte>(ref t.Ne[0]));
        d["mb_tensor.nb"] = Offset(ref t, ref Unsafe.As<ulong, byte>(ref t.Nb[0]));

        var rms = default(MbRmsNormParams);
        d["sizeof mb_rms_norm_params"] = sizeof(MbRmsNormParams);
        d["mb_rms_norm_params.eps"] = Offset(ref rms, ref Unsafe.As<float, byte>(ref rms.Eps));

        var rope = default(MbRopeParams);
        d["sizeof mb_rope_params"] = sizeof(MbRopeParams);
        d["mb_rope_params.head_dim"] = Offset(ref rope, ref Unsafe.As<uint, byte>(ref rope.HeadDim));
        d["mb_rope_params.layout"] = Offset(ref rope, ref Unsafe.As<uint, byte>(ref rope.Layout));
        d["mb_rope_params.theta"] = Offset(ref rope, ref Unsafe.As<float, byte>(ref rope.Theta));

        var att = default(MbAttentionParams);
        d["sizeof mb_attention_params"] = sizeof(MbAttentionParams);
        d["mb_attention_params.num_heads"] = Offset(ref att, ref Unsafe.As<uint, byte>(ref att.NumHeads));
        d["mb_attention_params.num_kv_heads"] = Offset(ref att, ref Unsafe.As<uint, byte>(ref att.NumKvHeads));
        d["mb_attention_params.head_dim"] = Offset(ref att, ref Unsafe.As<uint, byte>(ref att.HeadDim));
        d["mb_attention_params.block_size"] = Offset(ref att, ref Unsafe.As<uint, byte>(ref att.BlockSize));
        d["mb_attention_params.max_context_length"] = Offset(ref att, ref Unsafe.As<uint, byte>(ref att.MaxContextLength));
        d["mb_attention_params.sliding_window"] = Offset(ref att, ref Unsafe.As<int, byte>(ref att.SlidingWindow));
        d["mb_attention_params.scale"] = Offset(ref att, ref Unsafe.As<float, byte>(ref att.Scale));
        d["mb_attention_params.softcap"] = Offset(ref att, ref Unsafe.As<float, byte>(ref att.Softcap));

        var pu = default(MbOpParams);
        d["sizeof mb_op_params"] = sizeof(MbOpParams);
        d["mb_op_params.rms_norm"] = Offset(ref pu, ref Unsafe.As<MbRmsNormParams, byte>(ref pu.RmsNorm));
        d["mb_op_params.rope"] = Offset(ref pu, ref Unsafe.As<MbRopeParams, byte>(ref pu.Rope));
        d["mb_op_params.attention"] = Offset(ref pu, ref Unsafe.As<MbAttentionParams, byte>(ref pu.Attention));
        d["mb_op_params.bytes"] = 0; // the union's byte view: C# reads the union through its members only

        var op = default(MbOp);
        d["sizeof mb_op"] = sizeof(MbOp);
        d["mb_op.struct_size"] = Offset(ref op, ref Unsafe.As<nuint, byte>(ref op.StructSize));
        d["mb_op.next"] = Marshal.OffsetOf<MbOp>(nameof(MbOp.Next));
        d["mb_op.op"] = Offset(ref op, ref Unsafe.As<MbOpKind, byte>(ref op.Op));
        d["mb_op.n_src"] = Offset(ref op, ref Unsafe.As<uint, byte>(ref op.SourceCount));
        d["mb_op.src"] = Offset(ref op, ref Unsafe.As<MbTensor, byte>(ref op.Src[0]));
        d["mb_op.dst"] = Offset(ref op, ref Unsafe.As<MbTensor, byte>(ref op.Dst));
        d["mb_op.params"] = Offset(ref op, ref Unsafe.As<MbOpParams, byte>(ref op.Params));

        var api = default(MbApi);
        d["sizeof mb_api"] = sizeof(MbApi);
        d["mb_api.struct_size"] = Offset(ref api, ref Unsafe.As<nuint, byte>(ref api.StructSize));
        d["mb_api.next"] = Marshal.OffsetOf<MbApi>(nameof(MbApi.Next));
        d["mb_api.abi_major"] = Offset(ref api, ref Unsafe.As<uint, byte>(ref api.AbiMajor));
        d["mb_api.abi_minor"] = Offset(ref api, ref Unsafe.As<uint, byte>(ref api.AbiMinor));
        d["mb_api.name"] = Marshal.OffsetOf<MbApi>(nameof(MbApi.Name));
        d["mb_api.version"] = Marshal.OffsetOf<MbApi>(nameof(MbApi.Version));
        // Each function by its C name turned into the C# field's ("buffer_write_async" -> BufferWriteAsync).
        foreach (var (name, _) in MbApi.Functions10(&api))
            d[$"mb_api.{name}"] = Marshal.OffsetOf<MbApi>(Pascal(name));

        d["const MB_ABI_MAJOR"] = MbAbi.Major;
        d["const MB_ABI_MINOR"] = MbAbi.Minor;
        d["const MB_API_STRUCT_SIZE"] = MbApi.StructSize10;
        d["const MB_OP_STRUCT_SIZE"] = sizeof(MbOp);
        d["const MB_TENSOR_STRUCT_SIZE"] = sizeof(MbTensor);
        d["const MB_DEVICE_PROPS_STRUCT_SIZE"] = sizeof(MbDeviceProps);
        d["const MB_EXTENSION_STRUCT_SIZE"] = sizeof(MbExtension);
        d["const MB_MAX_SRC"] = MbAbi.MaxSources;
        d["const MB_OP_COUNT"] = MbAbi.OpCount;
        return d;
    }
}
