// Python methods templates call on values: str (strip, split, startswith, replace, format, ...),
// dict (items, keys, values, get) and list (index, count). Mutating methods exist but refuse, as
// in the ImmutableSandboxedEnvironment transformers uses.
using System.Text;

namespace Meridian.Tokenizers.Templates;

internal sealed partial class Interpreter
{
    private static readonly HashSet<string> StrMethods =
    [
        "capitalize", "casefold", "center", "count", "endswith", "find", "format", "index", "isalnum", "isalpha",
        "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "ljust",
        "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust",
        "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill",
    ];

    private static readonly HashSet<string> DictMethods = ["copy", "get", "items", "keys", "values"];
    private static readonly HashSet<string> DictUnsafe = ["clear", "pop", "popitem", "setdefault", "update"];
    private static readonly HashSet<string> ListMethods = ["copy", "count", "index"];
    private static readonly HashSet<string> ListUnsafe = ["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"];

    private static bool HasMethod(object obj, string name, out bool unsafeMethod)
    {
        unsafeMethod = false;
        switch (obj)
        {
            case string: return StrMethods.Contains(name);
            case JinjaDict:
                unsafeMethod = DictUnsafe.Contains(name);
                return unsafeMethod || DictMethods.Contains(name);
            case JinjaList { IsTuple: true }: return name is "count" or "index";
            case JinjaList:
                unsafeMethod = ListUnsafe.Contains(name);
                return unsafeMethod || ListMethods.Contains(name);
            default: return false;
        }
    }

    internal object? CallMethod(object target, string name, CallArgs args) => target switch
    {
        string s => StrMethod(s, name, args),
        JinjaDict d => DictMethod(d, name, args),
        JinjaList l => ListMethod(l, name, args),
        _ => throw new TemplateRuntimeError($"AttributeError: '{PyOps.TypeName(target)}' object has no attribute '{name}'"),
    };

    private static object? DictMethod(JinjaDict d, string name, CallArgs args)
    {
        switch (name)
        {
            case "items":
                args.Bind("items", [], []);
                return new JinjaList(d.Entries.Select(e => (object?)JinjaList.Tuple(e.Key, e.Value)).ToList());
            case "keys":
                args.Bind("keys", [], []);
                return new JinjaList([.. d.Keys]);
            case "values":
                args.Bind("values", [], []);
                return new JinjaList(d.Entries.Select(e => e.Value).ToList());
            case "get":
            {
                var p = args.Bind("get", ["key", "default"], [CallArgs.Required, null]);
                return d.TryGetValue(p[0], out object? value) ? value : p[1];
            }
            default: // copy
                args.Bind("copy", [], []);
                var copy = new JinjaDict();
                foreach (var (key, value) in d.Entries) copy.Set(key, value);
                return copy;
        }
    }

    private static object? ListMethod(JinjaList l, string name, CallArgs args)
    {
        switch (name)
        {
            case "count":
            {
                var p = args.Bind("count", ["value"], [CallArgs.Required]);
                return (long)l.Items.Count(x => PyOps.Equal(x, p[0]));
            }
            case "index":
            {
                var p = args.Bind("index", ["value"], [CallArgs.Required]);
                int i = l.Items.FindIndex(x => PyOps.Equal(x, p[0]));
                return i >= 0 ? (long)i : throw new TemplateRuntimeError($"ValueError: {PyRepr.Repr(p[0])} is not in list");
            }
            default: // copy
                args.Bind("copy", [], []);
                return new JinjaList([.. l.Items], l.IsTuple);
        }
    }

    private static object? StrMethod(string s, string name, CallArgs args)
    {
        switch (name)
        {
            case "strip" or "lstrip" or "rstrip":
            {
                var p = args.Bind(name, ["chars"], [null]);
                return PyText.Strip(s, OptStr(p[0], name), left: name != "rstrip", right: name != "lstrip");
            }
            case "split" or "rsplit":
            {
                var p = args.Bind(name, ["sep", "maxsplit"], [null, -1L]);
                var parts = name == "split" ? PyText.Split(s, OptStr(p[0], name), Int(p[1], name)) : PyText.RSplit(s, OptStr(p[0], name), Int(p[1], name));
                return new JinjaList(parts.Cast<object?>().ToList());
            }
            case "splitlines":
                args.Bind(name, [], []);
                return new JinjaList(PyText.SplitLines(s).Cast<object?>().ToList());
            case "startswith" or "endswith":
            {
                var p = args.Bind(name, ["prefix", "start", "end"], [CallArgs.Required, null, null]);
                string part = SubRange(s, p[1], p[2]);
                var candidates = p[0] is JinjaList { IsTuple: true } t ? t.Items : [p[0]];
                foreach (object? c in candidates)
                {
                    string x = c as string ?? throw new TemplateRuntimeError($"TypeError: {name} first arg must be str or a tuple of str, not {PyOps.TypeName(c)}");
                    if (name == "startswith" ? part.StartsWith(x, StringComparison.Ordinal) : part.EndsWith(x, StringComparison.Ordinal)) return true;
                }
                return false;
            }
            case "upper": args.Bind(name, [], []); return PyText.Upper(s);
            case "lower" or "casefold": args.Bind(name, [], []); return PyText.Lower(s);
            case "title": args.Bind(name, [], []); return PyText.Title(s);
            case "capitalize": args.Bind(name, [], []); return PyText.Capitalize(s);
            case "swapcase":
                args.Bind(name, [], []);
                return string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)));
            case "replace":
            {
                var p = args.Bind(name, ["old", "new", "count"], [CallArgs.Required, CallArgs.Required, -1L]);
                return PyText.Replace(s, Str(p[0], name), Str(p[1], name), Int(p[2], name));
            }
            case "find" or "rfind" or "index" or "rindex" or "count":
            {
                var p = args.Bind(name, ["sub", "start", "end"], [CallArgs.Required, null, null]);
                return Find(s, name, Str(p[0], name), p[1], p[2]);
            }
            case "join":
            {
                var p = args.Bind(name, ["iterable"], [CallArgs.Required]);
                var parts = PyOps.Iterate(p[0]).Select(x => x as string ?? throw new TemplateRuntimeError($"TypeError: sequence item: expected str instance, {PyOps.TypeName(x)} found"));
                return string.Join(s, parts);
            }
            case "format": return PyFormat.StrFormat(s, args);
            case "center" or "ljust" or "rjust":
            {
                var p = args.Bind(name, ["width", "fillchar"], [CallArgs.Required, " "]);
                long width = Int(p[0], name);
                string fill = Str(p[1], name);
                int pad = (int)Math.Max(0, width - PyText.Length(s));
                return name switch
                {
                    "center" => PyText.Center(s, width, fill),
                    "ljust" => s + PyText.Repeat(fill, pad),
                    _ => PyText.Repeat(fill, pad) + s,
                };
            }
            case "zfill":
            {
                long width = Int(args.Bind(name, ["width"], [CallArgs.Required])[0], name);
                int pad = (int)Math.Max(0, width - PyText.Length(s));
                return s.Length > 0 && s[0] is '+' or '-' ? s[0] + new string('0', pad) + s.Substring(1) : new string('0', pad) + s;
            }
            case "partition" or "rpartition":
            {
                string sep = Str(args.Bind(name, ["sep"], [CallArgs.Required])[0], name);
                if (sep.Length == 0) throw new TemplateRuntimeError("ValueError: empty separator");
                int i = name == "partition" ? s.IndexOf(sep, StringComparison.Ordinal) : s.LastIndexOf(sep, StringComparison.Ordinal);
                if (i < 0) return name == "partition" ? JinjaList.Tuple(s, "", "") : JinjaList.Tuple("", "", s);
                return JinjaList.Tuple(s.Substring(0, i), sep, s.Substring(i + sep.Length));
            }
            case "removeprefix":
            {
                string x = Str(args.Bind(name, ["prefix"], [CallArgs.Required])[0], name);
                return s.StartsWith(x, StringComparison.Ordinal) ? s.Substring(x.Length) : s;
            }
            case "removesuffix":
            {
                string x = Str(args.Bind(name, ["suffix"], [CallArgs.Required])[0], name);
                return x.Length > 0 && s.EndsWith(x, StringComparison.Ordinal) ? s.Substring(0, s.Length - x.Length) : s;
            }
            default:
                args.Bind(name, [], []);
                return StrPredicate(s, name);
        }
    }

    private static bool StrPredicate(string s, string name)
    {
        var cps = PyText.CodePoints(s).ToList();
        bool anyCased = cps.Any(c => IsCased(c));
        return name switch
        {
            "isalnum" => cps.Count > 0 && cps.All(c => Rune.IsLetterOrDigit(new Rune(Safe(c)))),
            "isalpha" => cps.Count > 0 && cps.All(c => Rune.IsLetter(new Rune(Safe(c)))),
            "isascii" => cps.All(c => c < 128),
            "isdecimal" or "isdigit" or "isnumeric" => cps.Count > 0 && cps.All(c => Rune.IsDigit(new Rune(Safe(c)))),
            "isspace" => s.Length > 0 && s.All(PyText.IsSpace),
            "islower" => anyCased && !cps.Any(c => Rune.IsUpper(new Rune(Safe(c)))),
            "isupper" => anyCased && !cps.Any(c => Rune.IsLower(new Rune(Safe(c)))),
            "istitle" => anyCased && PyText.Title(s) == s,
            _ => throw new TemplateRuntimeError($"AttributeError: 'str' object has no attribute '{name}'"),
        };

        static int Safe(int c) => c is >= 0xD800 and <= 0xDFFF ? 0xFFFD : c;
        static bool IsCased(int c) { var r = new Rune(Safe(c)); return Rune.IsUpper(r) || Rune.IsLower(r); }
    }

    private static object Find(string s, string name, string sub, object? start, object? end)
    {
        var chars = PyText.Chars(s);
        int len = chars.Count;
        int lo = ClampIndex(start, 0, len), hi = ClampIndex(end, len, len);
        if (name == "count")
        {
            if (hi < lo) return 0L;
            string region = string.Concat(chars.Skip(lo).Take(hi - lo));
            if (sub.Length == 0) return (long)PyText.Length(region) + 1;
            long n = 0;
            for (int i = region.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = region.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) n++;
            return n;
        }
        int found = -1;
        if (hi >= lo)
        {
            string region = string.Concat(chars.Skip(lo).Take(hi - lo));
            int unit = name is "find" or "index" ? region.IndexOf(sub, StringComparison.Ordinal) : region.LastIndexOf(sub, StringComparison.Ordinal);
            if (unit >= 0) found = lo + PyText.Length(region.Substring(0, unit));
        }
        if (found < 0 && name is "index" or "rindex") throw new TemplateRuntimeError("ValueError: substring not found");
        return (long)found;
    }

    private static int ClampIndex(object? value, int missing, int len)
    {
        if (value is null) return missing;
        long i = Int(value, "slice");
        if (i < 0) i = Math.Max(0, i + len);
        return (int)Math.Min(i, len);
    }

    private static string SubRange(string s, object? start, object? end)
    {
        if (start is null && end is null) return s;
        var chars = PyText.Chars(s);
        int lo = ClampIndex(start, 0, chars.Count), hi = ClampIndex(end, chars.Count, chars.Count);
        return hi <= lo ? "" : string.Concat(chars.Skip(lo).Take(hi - lo));
    }

    private static string? OptStr(object? value, string function) => value is null ? null : Str(value, function);

    private static string Str(object? value, string function) =>
        value as string ?? throw new TemplateRuntimeError($"TypeError: {function}() argument must be str, not {PyOps.TypeName(value)}");

    private static long Int(object? value, string function) =>
        PyOps.IsInteger(value) ? PyOps.ToLong(value) : throw new TemplateRuntimeError($"TypeError: {function}() argument must be an integer, not {PyOps.TypeName(value)}");
}
