// Globals a template can call: range, dict, namespace, joiner (Jinja2 defaults), and the two
// transformers adds: raise_exception(msg) and strftime_now(fmt) over the configured clock.
namespace Meridian.Tokenizers.Templates;

internal sealed partial class Interpreter
{
    /// <summary>Jinja2's sandbox refuses ranges longer than this (MAX_RANGE).</summary>
    private const long MaxRange = 100_000;

    private void AddGlobals(Scope globals)
    {
        globals.Set("range", new BuiltinFunction("range", (_, args) => Range(args)));
        globals.Set("dict", new BuiltinFunction("dict", (_, args) => MakeDict("dict", args)));
        globals.Set("namespace", new BuiltinFunction("namespace", (_, args) =>
        {
            var ns = new JinjaNamespace();
            foreach (var (key, value) in MakeDict("namespace", args).Entries) ns.Attributes.Set(key, value);
            return ns;
        }));
        globals.Set("joiner", new BuiltinFunction("joiner", (_, args) =>
        {
            string sep = PyRepr.Str(args.Bind("joiner", ["sep"], [", "])[0]);
            bool used = false;
            return new BuiltinFunction("joiner", (_, _) =>
            {
                if (!used) { used = true; return ""; }
                return sep;
            });
        }));
        globals.Set("raise_exception", new BuiltinFunction("raise_exception", (_, args) =>
        {
            var p = args.Bind("raise_exception", ["message"], [CallArgs.Required]);
            throw new TemplateRaiseSignal(PyRepr.Str(p[0]));
        }));
        globals.Set("strftime_now", new BuiltinFunction("strftime_now", (_, args) =>
        {
            var p = args.Bind("strftime_now", ["format"], [CallArgs.Required]);
            var now = _options.Now ?? DateTimeOffset.Now;
            return Strftime.Format(now.DateTime, p[0] as string ?? throw new TemplateRuntimeError("TypeError: strftime() argument 1 must be str"));
        }));
    }

    private static JinjaList Range(CallArgs args)
    {
        if (args.Named.Count > 0) throw new TemplateRuntimeError("TypeError: range() takes no keyword arguments");
        var n = args.Positional.Select(a => PyOps.IsInteger(a) ? PyOps.ToLong(a)
            : throw new TemplateRuntimeError($"TypeError: '{PyOps.TypeName(a)}' object cannot be interpreted as an integer")).ToList();
        (long start, long stop, long step) = n.Count switch
        {
            1 => (0L, n[0], 1L),
            2 => (n[0], n[1], 1L),
            3 => (n[0], n[1], n[2]),
            _ => throw new TemplateRuntimeError($"TypeError: range expected at most 3 arguments, got {n.Count}"),
        };
        if (step == 0) throw new TemplateRuntimeError("ValueError: range() arg 3 must not be zero");
        decimal count = step > 0 ? Math.Max(0, Math.Ceiling(((decimal)stop - start) / step)) : Math.Max(0, Math.Ceiling(((decimal)start - stop) / -step));
        if (count > MaxRange)
            throw new TemplateRuntimeError($"OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
        var items = new List<object?>((int)count);
        for (long i = 0, v = start; i < (long)count; i++, v += step) items.Add(v);
        return new JinjaList(items);
    }

    /// <summary>dict(mapping_or_pairs, **kwargs) as in Python.</summary>
    private static JinjaDict MakeDict(string function, CallArgs args)
    {
        if (args.Positional.Count > 1) throw new TemplateRuntimeError($"TypeError: {function} expected at most 1 argument, got {args.Positional.Count}");
        var dict = new JinjaDict();
        if (args.Positional.Count == 1)
        {
            if (args.Positional[0] is JinjaDict source)
                foreach (var (key, value) in source.Entries) dict.Set(key, value);
            else
                foreach (object? pair in PyOps.Iterate(args.Positional[0]))
                {
                    var kv = PyOps.Iterate(pair);
                    if (kv.Count != 2) throw new TemplateRuntimeError($"ValueError: dictionary update sequence element has length {kv.Count}; 2 is required");
                    dict.Set(kv[0], kv[1]);
                }
        }
        foreach (var (key, value) in args.Named) dict.Set(key, value);
        return dict;
    }
}
