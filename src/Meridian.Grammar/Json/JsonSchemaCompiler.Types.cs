// The per-type parts of the schema compiler: strings (length, pattern, format), integers (bounds as digit ranges),
// numbers, objects (properties in order, required, additionalProperties) and arrays (items, prefixItems, counts).
using System.Text.Json;
using Meridian.Grammar.Regex;

namespace Meridian.Grammar.Json;

internal sealed partial class JsonSchemaCompiler
{
    private int String(JsonElement s, string pointer)
    {
        var x = _b.Exprs;
        int min = Count(s, "minLength", pointer) ?? 0;
        int? max = Count(s, "maxLength", pointer);
        bool raw = s.TryGetProperty("pattern", out var pattern) | s.TryGetProperty("format", out var format);
        int content = x.Repeat(raw ? _safeChar : _char, min, max ?? -1);
        if (pattern.ValueKind == JsonValueKind.String)
            content = x.And(content, CodePoints(() => RegexSyntax.Parse(x, pattern.GetString()!, anchored: false), pointer, "pattern"));
        else if (pattern.ValueKind != JsonValueKind.Undefined)
            throw new GrammarException($"'pattern' at {pointer} must be a string");
        if (format.ValueKind == JsonValueKind.String)
        {
            string name = format.GetString()!;
            string regex = Formats.TryGetValue(name, out var r) ? r : throw Refuse(pointer, $"the string format '{name}'");
            content = x.And(content, RegexSyntax.Parse(x, regex, anchored: true));
        }
        if (x.IsEmpty(content))
            throw Refuse(pointer, "a string schema no string satisfies without escapes (its pattern needs a quote, backslash or control character, or its lengths conflict)");
        int quote = x.Byte((byte)'"');
        return _b.Lexeme($"string at {pointer}", x.Concat([quote, content, quote]));
    }

    private int CodePoints(Func<int> parse, string pointer, string keyword)
    {
        try
        {
            return parse();
        }
        catch (GrammarException e)
        {
            throw new GrammarException($"'{keyword}' at {pointer}: {e.Message}");
        }
    }

    // Formats as anchored patterns over the string's raw text (RFC 3339 date-time, date and time; RFC 4122 uuid; an
    // email of dot-atoms, as the common validators accept; dotted-quad IPv4; RFC 1123 host names).
    private static readonly Dictionary<string, string> Formats = new(StringComparer.Ordinal)
    {
        ["date"] = Date,
        ["time"] = Time,
        ["date-time"] = Date + "[Tt]" + Time,
        ["uuid"] = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        ["email"] = @"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
        ["ipv4"] = @"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])",
        ["hostname"] = @"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*",
    };

    // Days 01-28 for any month, 29-30 for all but February, 31 for the long months; February 29 is left out (a leap
    // year check is beyond a small pattern, and refusing it keeps every output valid).
    private const string Date = "[0-9]{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)";
    private const string Time = @"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])";

    private int? Count(JsonElement s, string keyword, string pointer)
    {
        if (!s.TryGetProperty(keyword, out var v))
            return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out decimal d) || d < 0 || d != decimal.Floor(d))
            throw new GrammarException($"'{keyword}' at {pointer} must be a non-negative integer");
        if (d > ExprSet.MaxRepeat)
            throw Refuse(pointer, $"'{keyword}' {d} (above {ExprSet.MaxRepeat})");
        return (int)d;
    }

    private int Integer(JsonElement s, string pointer)
    {
        decimal? lo = Bound(s, "minimum", pointer), hi = Bound(s, "maximum", pointer);
        decimal? xlo = Bound(s, "exclusiveMinimum", pointer), xhi = Bound(s, "exclusiveMaximum", pointer);
        long? min = Max(lo is { } a ? (long?)Math.Ceiling(a) : null, xlo is { } b ? (long?)(Math.Floor(b) + 1) : null);
        long? max = Min(hi is { } c ? (long?)Math.Floor(c) : null, xhi is { } d ? (long?)(Math.Ceiling(d) - 1) : null);
        if (min > max)
            throw Refuse(pointer, $"integer bounds that no integer meets ({min} > {max})");
        var x = _b.Exprs;
        int expr = IntegerRanges.Of(x, min, max);
        return _b.Lexeme($"integer at {pointer}", expr);
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    private static decimal? Bound(JsonElement s, string keyword, string pointer)
    {
        if (!s.TryGetProperty(keyword, out var v))
            return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out decimal d))
            throw new GrammarException($"'{keyword}' at {pointer} must be a number");
        if (Math.Abs(d) > 1e17m)
            throw Refuse(pointer, $"'{keyword}' {d} (beyond ±10^17)");
        return d;
    }

    private int Number(JsonElement s, string pointer)
    {
        foreach (string k in NumberKeywords)
        {
            if (s.TryGetProperty(k, out _))
                throw Refuse(pointer, $"'{k}' on type number (numeric bounds are enforced for integers only)");
        }
        return _j.Number;
    }

    private int Object(JsonElement s, string pointer)
    {
        var props = new List<(string Name, int Value, bool Required)>();
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (s.TryGetProperty("required", out var req))
        {
            if (req.ValueKind != JsonValueKind.Array)
                throw new GrammarException($"'required' at {pointer} must be an array");
            foreach (var r in req.EnumerateArray())
                required.Add(r.GetString() ?? throw new GrammarException($"'required' at {pointer} holds a non-string"));
        }
        if (s.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
                throw new GrammarException($"'properties' at {pointer} must be an object");
            foreach (var p in properties.EnumerateObject())
                props.Add((p.Name, Node(p.Value, $"{pointer}/properties/{Escape(p.Name)}"), required.Contains(p.Name)));
        }
        foreach (string r in required)
        {
            if (!props.Any(p => p.Name == r))
                throw Refuse(pointer, $"the required property '{r}' without a schema in 'properties'");
        }
        if (props.Count > MaxCount)
            throw Refuse(pointer, $"{props.Count} properties (above {MaxCount})");
        int? extraValue = null;
        if (s.TryGetProperty("additionalProperties", out var additional))
        {
            if (additional.ValueKind == JsonValueKind.True)
                extraValue = _j.Value;
            else if (additional.ValueKind == JsonValueKind.Object)
                extraValue = Node(additional, $"{pointer}/additionalProperties");
            else if (additional.ValueKind != JsonValueKind.False)
                throw new GrammarException($"'additionalProperties' at {pointer} must be a boolean or a schema");
        }

        var b = _b;
        var j = _j;
        int extraPair = -1;
        if (extraValue is { } ev)
        {
            // Keys other than the listed ones: a JSON string and not any listed key's text.
            var x = b.Exprs;
            var keyText = props.Select(p => x.Concat(System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(p.Name)).Select(x.Byte).ToArray())).ToArray();
            int stringExpr = RegexSyntax.Parse(x, JsonGrammar.StringPattern, anchored: true);
            int otherKey = b.Lexeme($"other key at {pointer}", keyText.Length == 0 ? stringExpr : x.And(stringExpr, x.Not(x.Or(keyText))));
            extraPair = b.Fresh("extra");
            b.Rule(extraPair, otherKey, j.Ows, j.Colon, j.Ows, ev);
        }
        // Rest(i, comma): properties i.. (each required one present, in order), then extra pairs; `comma` when a pair
        // came before.
        var rest = new int[props.Count + 1, 2];
        for (int i = props.Count; i >= 0; i--)
        {
            for (int comma = 0; comma < 2; comma++)
            {
                int n = b.Fresh($"props {pointer}");
                rest[i, comma] = n;
                if (i == props.Count)
                {
                    b.Rule(n);
                    if (extraPair >= 0)
                    {
                        int loop = b.Fresh("extras");
                        b.Rule(loop);
                        b.Rule(loop, j.Ows, j.Comma, j.Ows, extraPair, loop);
                        if (comma == 1)
                            b.Rule(n, loop);
                        else
                        {
                            b.Rule(n, extraPair, loop);
                        }
                    }
                    continue;
                }
                int key = b.Literal(JsonSerializer.Serialize(props[i].Name));
                int[] pair = [key, j.Ows, j.Colon, j.Ows, props[i].Value];
                int[] lead = comma == 1 ? [j.Ows, j.Comma, j.Ows] : [];
                b.Rule(n, [.. lead, .. pair, rest[i + 1, 1]]);
                if (!props[i].Required)
                    b.Rule(n, rest[i + 1, comma]);
            }
        }
        int obj = b.Fresh($"object {pointer}");
        b.Rule(obj, j.Open, j.Ows, rest[0, 0], j.Ows, j.Close);
        return obj;
    }

    private int Array(JsonElement s, string pointer)
    {
        var prefix = new List<int>();
        if (s.TryGetProperty("prefixItems", out var prefixItems))
        {
            if (prefixItems.ValueKind != JsonValueKind.Array)
                throw new GrammarException($"'prefixItems' at {pointer} must be an array");
            int i = 0;
            foreach (var item in prefixItems.EnumerateArray())
                prefix.Add(Node(item, $"{pointer}/prefixItems/{i++}"));
        }
        int? items = _j.Value;
        if (s.TryGetProperty("items", out var itemsSchema))
        {
            if (itemsSchema.ValueKind == JsonValueKind.False)
                items = null;
            else if (itemsSchema.ValueKind == JsonValueKind.Array)
                throw Refuse(pointer, "'items' as an array (draft-7 tuples; use prefixItems)");
            else
                items = Node(itemsSchema, $"{pointer}/items");
        }
        if (s.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind != JsonValueKind.False)
            throw Refuse(pointer, "'uniqueItems' true");
        int min = Count(s, "minItems", pointer) ?? 0;
        int? max = Count(s, "maxItems", pointer);
        if (items is null)
            max = Math.Min(max ?? prefix.Count, prefix.Count);
        if (min > (max ?? int.MaxValue))
            throw Refuse(pointer, $"minItems {min} above the {max} items allowed");
        int spelled = Math.Max(min, prefix.Count);
        if (spelled > MaxCount || (max is { } m && m > MaxCount && m != int.MaxValue))
            throw Refuse(pointer, $"arrays spelled out to {Math.Max(spelled, max ?? 0)} items (above {MaxCount})");

        var b = _b;
        var j = _j;
        int Element(int i) => i < prefix.Count ? prefix[i] : items!.Value;
        // Tail(i, comma): elements i.. of an array that has i so far.
        var memo = new Dictionary<(int, int), int>();
        int Tail(int i, int comma)
        {
            if (memo.TryGetValue((i, comma), out int n))
                return n;
            n = b.Fresh($"items {pointer}");
            memo[(i, comma)] = n;
            int[] lead = comma == 1 ? [j.Ows, j.Comma, j.Ows] : [];
            bool canStop = i >= min;
            bool canGo = max is not { } mx || i < mx;
            if (canStop)
                b.Rule(n);
            if (canGo)
            {
                // Past the spelled-out part and with no upper bound, the tail repeats itself.
                int next = i >= spelled && max is null ? Tail(i, 1) : Tail(i + 1, 1);
                b.Rule(n, [.. lead, Element(i), next]);
            }
            return n;
        }
        int arr = b.Fresh($"array {pointer}");
        b.Rule(arr, j.OpenBracket, j.Ows, Tail(0, 0), j.Ows, j.CloseBracket);
        return arr;
    }

    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
