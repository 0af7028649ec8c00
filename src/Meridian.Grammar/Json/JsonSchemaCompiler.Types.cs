// The per-type parts of the schema compiler: strings (length, pattern, format), integers (bounds as digit ranges),
// numbers, objects (properties in order, required, additionalProperties) and arrays (items, prefixItems, counts).
using System.Text;
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
    // email of dot-atoms, as the common validators accept, less the rare ` { | } in the local part, which let a model
    // write JSON-looking text inside an address; dotted-quad IPv4; RFC 1123 host names; RFC 3986 URIs as below). The
    // RFCs' total lengths (254, 253) are not counted: a lexer state per character made every mask inside an address
    // several times slower.
    private static readonly Dictionary<string, string> Formats = new(StringComparer.Ordinal)
    {
        ["date"] = Date,
        ["time"] = Time,
        ["date-time"] = Date + "[Tt]" + Time,
        ["uuid"] = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        ["email"] = @"[A-Za-z0-9!#$%&'*+/=?^_~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
        ["ipv4"] = @"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])",
        ["hostname"] = @"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*",
        ["uri"] = UriPattern,
        ["iri"] = UriPattern,
        ["uri-reference"] = "(?:" + UriPattern + "|" + RelativeRef + ")",
        ["iri-reference"] = "(?:" + UriPattern + "|" + RelativeRef + ")",
        ["ipv6"] = "(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}",
        ["byte"] = "(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?",
        ["json-pointer"] = "(?:/(?:[^~/]|~[01])*)*",
    };

    // RFC 3986 URIs without user info or IP literals: a scheme of two characters or more (one letter reads as a
    // drive), then an authority and a path, or a rootless path,
    // then an optional query and fragment; every character unreserved, a sub-delimiter, ':' or '@', or %-encoded.
    private const string PathChar = "(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})";
    private const string QueryPart = @"(?:\?(?:" + PathChar + "|[/?])*)?(?:#(?:" + PathChar + "|[/?])*)?";
    private const string UriPattern = "[A-Za-z][A-Za-z0-9+.-]+:(?://(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})+(?::[0-9]{1,5})?(?:/" + PathChar
        + "*)*|" + PathChar + "+(?:/" + PathChar + "*)*)" + QueryPart;
    private const string RelativeRef = "(?:/?(?:[A-Za-z0-9._~!$&'()*+,;=@-]|%[0-9A-Fa-f]{2})+)?(?:/" + PathChar + "*)*" + QueryPart;

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
        {
            // An upper count past what is spelled out is lowered to it (a subset of what the schema allows).
            if (keyword.StartsWith("max", StringComparison.Ordinal))
                return ExprSet.MaxRepeat;
            throw Refuse(pointer, $"'{keyword}' {d} (above {ExprSet.MaxRepeat})");
        }
        return (int)d;
    }

    private int Integer(JsonElement s, string pointer)
    {
        var (lo, xlo, hi, xhi) = Bounds(s, pointer);
        long? min = Max(lo is { } a ? (long?)Math.Ceiling(a) : null, xlo is { } b ? (long?)(Math.Floor(b) + 1) : null);
        long? max = Min(hi is { } c ? (long?)Math.Floor(c) : null, xhi is { } d ? (long?)(Math.Ceiling(d) - 1) : null);
        if (s.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String && format.GetString() is not ("float" or "double"))
        {
            // OpenAPI's integer formats, as ranges; int64 and uint64 to 16 digits, as every number (a subset of their ranges).
            (long Lo, long Hi) range = format.GetString() switch
            {
                "int8" => (sbyte.MinValue, sbyte.MaxValue),
                "uint8" => (0, byte.MaxValue),
                "int16" => (short.MinValue, short.MaxValue),
                "uint16" => (0, ushort.MaxValue),
                "int32" => (int.MinValue, int.MaxValue),
                "uint32" => (0, uint.MaxValue),
                "int64" => (-Digits16, Digits16),
                "uint64" => (0, Digits16),
                var other => throw Refuse(pointer, $"the integer format '{other}'"),
            };
            min = Max(min, range.Lo);
            max = Min(max, range.Hi);
        }
        if (min > max)
            throw Refuse(pointer, $"integer bounds that no integer meets ({min} > {max})");
        MultipleOfOne(s, pointer, "integer");
        // At most 16 digits, as JsonGrammar.NumberPattern: the bounds are clamped (finite digit ranges cost no more
        // lexer states than open ones).
        min = Max(min, -Digits16);
        max = Min(max, Digits16);
        if (min > max)
            throw Refuse(pointer, $"integer bounds past 16 digits");
        return _b.Lexeme($"integer at {pointer}", IntegerRanges.Of(_b.Exprs, min, max));
    }

    private const long Digits16 = 9_999_999_999_999_999;

    // multipleOf on a number: 1 makes it an integer (0 places), 10^-k allows k decimal places; others are refused.
    private static int? DecimalPlaces(JsonElement s, string pointer)
    {
        if (!s.TryGetProperty("multipleOf", out var m))
            return null;
        if (m.ValueKind == JsonValueKind.Number && m.TryGetDecimal(out decimal d) && d > 0)
        {
            for (int k = 0; k <= 12; k++, d *= 10)
            {
                if (d == 1m)
                    return k;
            }
        }
        throw Refuse(pointer, $"'multipleOf' {m.GetRawText()} on type number (enforced for 1 and powers of ten below it)");
    }

    // multipleOf is enforced where it is 1 (the number is an integer); other values are refused.
    private static bool MultipleOfOne(JsonElement s, string pointer, string type)
    {
        if (!s.TryGetProperty("multipleOf", out var m))
            return false;
        if (m.ValueKind == JsonValueKind.Number && m.TryGetDecimal(out decimal d) && d == 1m)
            return true;
        throw Refuse(pointer, $"'multipleOf' {m.GetRawText()} on type {type}");
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    // minimum, exclusiveMinimum, maximum, exclusiveMaximum, with draft 4's boolean exclusive flags read as making
    // minimum or maximum exclusive.
    private static (decimal? Lo, decimal? XLo, decimal? Hi, decimal? XHi) Bounds(JsonElement s, string pointer)
    {
        decimal? lo = Bound(s, "minimum", pointer), hi = Bound(s, "maximum", pointer);
        decimal? xlo = null, xhi = null;
        if (s.TryGetProperty("exclusiveMinimum", out var em) && em.ValueKind is JsonValueKind.True or JsonValueKind.False)
            (lo, xlo) = em.ValueKind == JsonValueKind.True ? ((decimal?)null, lo) : (lo, (decimal?)null);
        else
            xlo = Bound(s, "exclusiveMinimum", pointer);
        if (s.TryGetProperty("exclusiveMaximum", out var eM) && eM.ValueKind is JsonValueKind.True or JsonValueKind.False)
            (hi, xhi) = eM.ValueKind == JsonValueKind.True ? ((decimal?)null, hi) : (hi, (decimal?)null);
        else
            xhi = Bound(s, "exclusiveMaximum", pointer);
        return (lo, xlo, hi, xhi);
    }

    private static decimal? Bound(JsonElement s, string keyword, string pointer)
    {
        if (!s.TryGetProperty(keyword, out var v))
            return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out decimal d))
            throw new GrammarException($"'{keyword}' at {pointer} must be a number");
        // An upper bound past 10^17 is lowered to it, a lower bound below -10^17 raised to it (a subset of the numbers
        // allowed); a bound past ±10^17 on the other side is refused.
        if (d > 1e17m && keyword.Contains("aximum", StringComparison.Ordinal))
            return 1e17m;
        if (d < -1e17m && keyword.Contains("inimum", StringComparison.Ordinal))
            return -1e17m;
        if (Math.Abs(d) > 1e17m)
            throw Refuse(pointer, $"'{keyword}' {d} (beyond ±10^17)");
        return d;
    }

    // A number between bounds: the integers in range (exactly), and decimals written without an exponent whose
    // value lies strictly inside the bounds (an exponent, or a decimal equal to a bound, is left out).
    private int Number(JsonElement s, string pointer)
    {
        if (s.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String && format.GetString() is not ("float" or "double"))
            throw Refuse(pointer, $"the number format '{format.GetString()}'");
        var (lo, xlo, hi, xhi) = Bounds(s, pointer);
        int? places = DecimalPlaces(s, pointer);
        if (places == 0)
            return Integer(s, pointer);
        if (lo is null && xlo is null && hi is null && xhi is null && places is null)
            return _j.Number;
        var x = _b.Exprs;
        decimal? low = lo is null ? xlo : xlo is null ? lo : Math.Max(lo.Value, xlo.Value);
        decimal? high = hi is null ? xhi : xhi is null ? hi : Math.Min(hi.Value, xhi.Value);
        long? min = Max(Max(lo is { } a ? (long?)Math.Ceiling(a) : null, xlo is { } b ? (long?)(Math.Floor(b) + 1) : null), -Digits16);
        long? max = Min(Min(hi is { } c ? (long?)Math.Floor(c) : null, xhi is { } d ? (long?)(Math.Ceiling(d) - 1) : null), Digits16);
        low = low is null ? -Digits16 : Math.Max(low.Value, -Digits16);
        high = high is null ? Digits16 : Math.Min(high.Value, Digits16);
        var parts = new List<int>();
        if (!(min > max))
            parts.Add(IntegerRanges.Of(x, min, max));
        // Positive decimals: magnitude in (max(low, 0), high). Negative ones: magnitude in (max(-high, 0), -low).
        parts.Add(Decimals(x, low is { } l && l > 0 ? l : 0, high));
        if (low is not { } l2 || l2 < 0)
            parts.Add(x.Concat(x.Byte((byte)'-'), Decimals(x, high is { } h && h < 0 ? -h : 0, low is { } l3 ? -l3 : null)));
        int expr = x.Or(parts.ToArray());
        if (places is { } k)
            expr = x.And(expr, RegexSyntax.Parse(x, $"-?[0-9]+(?:\\.[0-9]{{1,{k}}})?", anchored: true));
        if (x.IsEmpty(expr))
            throw Refuse(pointer, $"number bounds that no number meets");
        return _b.Lexeme($"number at {pointer}", expr);
    }

    // The texts I.F (I a non-negative integer, F fraction digits with a non-zero digit) whose value lies strictly
    // between `low` (>= 0) and `high` (open when null).
    private static int Decimals(ExprSet x, decimal low, decimal? high)
    {
        if (high is { } h0 && h0 <= low)
            return ExprSet.Nothing;
        // Fraction digits bounded as JsonGrammar.NumberPattern's: at most 8 on either side of the first non-zero one.
        int digit = x.Bytes(ByteSet.Range((byte)'0', (byte)'9'));
        int anyDigits = x.Repeat(digit, 0, 8);
        int nonZero = x.Concat([anyDigits, x.Bytes(ByteSet.Range((byte)'1', (byte)'9')), anyDigits]);
        int dot = x.Byte((byte)'.');
        long li = (long)Math.Floor(low);
        string lf = FractionDigits(low - li);
        var parts = new List<int>();
        int Whole(long a, long? b) => IntegerRanges.Of(x, a, b);
        if (high is not { } h)
        {
            parts.Add(x.Concat([Whole(li, li), dot, x.And(nonZero, Above(x, lf, anyDigits, nonZero))]));
            parts.Add(x.Concat([Whole(li + 1, null), dot, nonZero]));
            return x.Or(parts.ToArray());
        }
        long hi = (long)Math.Floor(h);
        string hf = FractionDigits(h - hi);
        if (li == hi)
            return x.Concat([Whole(li, li), dot, x.And(nonZero, x.And(Above(x, lf, anyDigits, nonZero), Below(x, hf, anyDigits)))]);
        parts.Add(x.Concat([Whole(li, li), dot, x.And(nonZero, Above(x, lf, anyDigits, nonZero))]));
        if (hi - 1 >= li + 1)
            parts.Add(x.Concat([Whole(li + 1, hi - 1), dot, nonZero]));
        parts.Add(x.Concat([Whole(hi, hi), dot, x.And(nonZero, Below(x, hf, anyDigits))]));
        return x.Or(parts.ToArray());
    }

    // "0.0625" -> "0625": the digits after the point, without trailing zeros ("" for zero).
    private static string FractionDigits(decimal fraction)
    {
        string t = fraction.ToString(System.Globalization.CultureInfo.InvariantCulture);
        int dot = t.IndexOf('.');
        return dot < 0 ? "" : t[(dot + 1)..].TrimEnd('0');
    }

    // Digit strings d with 0.d > 0.f: a prefix of f, then a greater digit, then anything; or all of f, then more
    // digits with a non-zero one.
    private static int Above(ExprSet x, string f, int anyDigits, int nonZero)
    {
        var parts = new List<int> { x.Concat([Text(x, f), nonZero]) };
        for (int k = 0; k < f.Length; k++)
        {
            if (f[k] < '9')
                parts.Add(x.Concat([Text(x, f[..k]), x.Bytes(ByteSet.Range((byte)(f[k] + 1), (byte)'9')), anyDigits]));
        }
        return x.Or(parts.ToArray());
    }

    // Digit strings d with 0.d < 0.f: a prefix of f, then a smaller digit, then anything; or a proper prefix of f
    // followed by zeros.
    private static int Below(ExprSet x, string f, int anyDigits)
    {
        var parts = new List<int>();
        int zeros = x.Star(x.Byte((byte)'0'));
        for (int k = 0; k < f.Length; k++)
        {
            if (f[k] > '0')
                parts.Add(x.Concat([Text(x, f[..k]), x.Bytes(ByteSet.Range((byte)'0', (byte)(f[k] - 1))), anyDigits]));
            parts.Add(x.Concat(Text(x, f[..k]), zeros));
        }
        return parts.Count == 0 ? ExprSet.Nothing : x.Or(parts.ToArray());
    }

    private static int Text(ExprSet x, string s) => s.Length == 0 ? ExprSet.Epsilon : x.Concat(s.Select(c => x.Byte((byte)c)).ToArray());

    private int Object(JsonElement s, string pointer)
    {
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (s.TryGetProperty("required", out var req))
        {
            if (req.ValueKind != JsonValueKind.Array)
                throw new GrammarException($"'required' at {pointer} must be an array");
            foreach (var r in req.EnumerateArray())
                required.Add(r.GetString() ?? throw new GrammarException($"'required' at {pointer} holds a non-string"));
        }
        // Listed properties in order; a property whose schema is false may not appear.
        var listed = new List<(string Name, JsonElement Schema)>();
        var forbidden = new HashSet<string>(StringComparer.Ordinal);
        if (s.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
                throw new GrammarException($"'properties' at {pointer} must be an object");
            foreach (var p in properties.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.False)
                    forbidden.Add(p.Name);
                else
                    listed.Add((p.Name, p.Value));
            }
        }
        var patterns = Patterns(s, pointer);
        JsonElement? extraSchema = null;
        if (s.TryGetProperty("additionalProperties", out var additional))
        {
            if (additional.ValueKind is JsonValueKind.True or JsonValueKind.Object)
                extraSchema = additional;
            else if (additional.ValueKind != JsonValueKind.False)
                throw new GrammarException($"'additionalProperties' at {pointer} must be a boolean or a schema");
        }
        bool extrasAllowed = extraSchema is not null || patterns.Count > 0;
        Dependencies(s, pointer, listed, required, forbidden, extrasAllowed);
        foreach (string r in required)
        {
            if (forbidden.Contains(r))
                throw Refuse(pointer, $"the required property '{r}', which may not appear");
            // A required property not in 'properties' takes additionalProperties' schema (any value when that is
            // absent, as JSON Schema reads it), or its pattern's; listed last.
            if (!listed.Any(p => p.Name == r))
            {
                if (additional.ValueKind == JsonValueKind.False && !patterns.Any(p => Matches(_b.Exprs, p.Expr, r)))
                    throw Refuse(pointer, $"the required property '{r}', which additionalProperties false forbids");
                listed.Add((r, patterns.Any(p => Matches(_b.Exprs, p.Expr, r)) || extraSchema is null ? True : extraSchema.Value));
            }
        }
        if (listed.Count > MaxCount)
            throw Refuse(pointer, $"{listed.Count} properties (above {MaxCount})");
        var (minExtras, maxExtras) = PropertyCounts(s, pointer, listed, required, extrasAllowed);

        var x = _b.Exprs;
        var props = new List<(string Name, int Value, bool Required)>();
        foreach (var (name, schema) in listed)
        {
            // A listed property whose name a pattern matches must meet the pattern's schema as well.
            var matching = patterns.Where(p => Matches(x, p.Expr, name)).Select(p => p.Schema).ToList();
            string where = $"{pointer}/properties/{Escape(name)}";
            var value = schema;
            if (matching.Count > 0)
            {
                var merged = Deref(ToNode(schema), where);
                foreach (var m in matching)
                    merged = Merge(merged, Deref(ToNode(m), where), where);
                value = ToElement(merged);
            }
            props.Add((name, Node(value, where), required.Contains(name)));
        }

        var b = _b;
        var j = _j;
        int extraPair = -1;
        if (extrasAllowed)
        {
            // Keys other than the listed (and forbidden) ones: a key matching one pattern (and no other) takes that
            // pattern's schema; a key matching none takes additionalProperties. Pattern keys are written without
            // escapes, so the pattern sees the text the model writes.
            var keyText = props.Select(p => p.Name).Concat(forbidden)
                .Select(n => x.Concat(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(n)).Select(x.Byte).ToArray())).ToArray();
            int notListed = keyText.Length == 0 ? -1 : x.Not(x.Or(keyText));
            int quote = x.Byte((byte)'"');
            int raw = x.Concat([quote, x.Star(_safeChar), quote]);
            int Quoted(int content) => x.Concat([quote, content, quote]);
            int Key(int expr) => notListed < 0 ? expr : x.And(expr, notListed);
            extraPair = b.Fresh("extra");
            for (int i = 0; i < patterns.Count; i++)
            {
                int content = patterns[i].Expr;
                for (int k = 0; k < patterns.Count; k++)
                {
                    if (k != i)
                        content = x.And(content, x.Not(patterns[k].Expr));
                }
                int key = Key(x.And(raw, Quoted(content)));
                if (x.IsEmpty(key))
                    continue;
                string where = $"{pointer}/patternProperties/{Escape(patterns[i].Source)}";
                b.Rule(extraPair, b.Lexeme($"key at {where}", key), j.Ows, j.Colon, j.Ows, Node(patterns[i].Schema, where));
            }
            if (extraSchema is { } es)
            {
                int key = patterns.Count == 0
                    ? Key(RegexSyntax.Parse(x, JsonGrammar.StringPattern, anchored: true))
                    : Key(x.And(raw, Quoted(x.Not(x.Or(patterns.Select(p => p.Expr).ToArray())))));
                int value = es.ValueKind == JsonValueKind.True ? j.Value : Node(es, $"{pointer}/additionalProperties");
                b.Rule(extraPair, b.Lexeme($"other key at {pointer}", key), j.Ows, j.Colon, j.Ows, value);
            }
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
                    if (minExtras == 0)
                        b.Rule(n);
                    if (extraPair >= 0 && maxExtras is not 0)
                    {
                        // At least minExtras pairs (minProperties past the listed ones), at least one in this rule,
                        // then more up to maxExtras (maxProperties), or any number.
                        int first = Math.Max(minExtras, 1);
                        var pairs = new List<int>();
                        for (int k = 0; k < first; k++)
                        {
                            if (k > 0 || comma == 1)
                                pairs.AddRange([j.Ows, j.Comma, j.Ows]);
                            pairs.Add(extraPair);
                        }
                        b.Rule(n, [.. pairs, MorePairs(extraPair, maxExtras - first)]);
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

    private static readonly JsonElement True = JsonDocument.Parse("true").RootElement;

    private const int MaxCountedKeys = 64;

    // Zero or more ", pair" (at most `most`; null: any number).
    private int MorePairs(int pair, int? most)
    {
        var b = _b;
        var j = _j;
        int next = b.Fresh("extras");
        b.Rule(next);
        if (most is null)
        {
            b.Rule(next, j.Ows, j.Comma, j.Ows, pair, next);
            return next;
        }
        for (int k = 0; k < most; k++)
        {
            int more = b.Fresh("extras");
            b.Rule(more);
            b.Rule(more, j.Ows, j.Comma, j.Ows, pair, next);
            next = more;
        }
        return next;
    }

    // patternProperties: each pattern (matched anywhere in the key, as ECMA-262 does) over a key's raw text.
    private List<(string Source, int Expr, JsonElement Schema)> Patterns(JsonElement s, string pointer)
    {
        var list = new List<(string, int, JsonElement)>();
        if (!s.TryGetProperty("patternProperties", out var pp))
            return list;
        if (pp.ValueKind != JsonValueKind.Object)
            throw new GrammarException($"'patternProperties' at {pointer} must be an object");
        var x = _b.Exprs;
        foreach (var p in pp.EnumerateObject())
        {
            int expr = CodePoints(() => RegexSyntax.Parse(x, p.Name, anchored: false), $"{pointer}/patternProperties", "patternProperties");
            list.Add((p.Name, x.And(expr, x.Star(_safeChar)), p.Value));
        }
        return list;
    }

    private static bool Matches(ExprSet x, int expr, string text)
    {
        foreach (byte c in Encoding.UTF8.GetBytes(text))
            expr = x.Derivative(expr, c);
        return x.Nullable(expr);
    }

    // dependentRequired (and draft 7's dependencies with arrays): when the trigger may appear, its dependents become
    // required where they are listed (a subset of the objects allowed); otherwise the trigger is left out.
    private static void Dependencies(JsonElement s, string pointer, List<(string Name, JsonElement Schema)> listed,
        HashSet<string> required, HashSet<string> forbidden, bool extrasAllowed)
    {
        foreach (string keyword in new[] { "dependentRequired", "dependencies" })
        {
            if (!s.TryGetProperty(keyword, out var deps))
                continue;
            if (deps.ValueKind != JsonValueKind.Object)
                throw new GrammarException($"'{keyword}' at {pointer} must be an object");
            foreach (var d in deps.EnumerateObject())
            {
                if (d.Value.ValueKind != JsonValueKind.Array)
                    throw Refuse(pointer, $"'{keyword}' with a schema for '{d.Name}'");
                bool mayAppear = !forbidden.Contains(d.Name) && (listed.Any(p => p.Name == d.Name) || extrasAllowed);
                if (!mayAppear)
                    continue;
                var dependents = d.Value.EnumerateArray().Select(v => v.GetString() ?? "").ToList();
                if (dependents.All(n => listed.Any(p => p.Name == n) && !forbidden.Contains(n)))
                    required.UnionWith(dependents);
                else if (!required.Contains(d.Name))
                    forbidden.Add(d.Name);
                else
                    throw Refuse(pointer, $"'{keyword}' of the required property '{d.Name}' on properties not listed");
                listed.RemoveAll(p => forbidden.Contains(p.Name));
            }
        }
    }

    // minProperties and maxProperties, by the object's shape: the first optional listed properties become required
    // until there are minProperties; one more is an other key that must follow, where they are allowed; optional
    // listed ones past maxProperties are left out, and other keys, where the listed ones are all required, are
    // counted to it. All give a subset of the objects allowed. Returns the least and most other keys (null: any).
    private (int Min, int? Max) PropertyCounts(JsonElement s, string pointer, List<(string Name, JsonElement Schema)> listed, HashSet<string> required, bool extras)
    {
        int minExtras = 0;
        int? maxExtras = null;
        if (Count(s, "minProperties", pointer) is { } lo && lo > required.Count)
        {
            foreach (var (name, _) in listed)
            {
                if (required.Count >= lo)
                    break;
                required.Add(name);
            }
            if (required.Count < lo)
            {
                if (!extras)
                    throw Refuse(pointer, $"'minProperties' {lo} above the {listed.Count} properties listed");
                // One other key is enough to count; two could repeat one key, which a parser reads as one property.
                minExtras = lo - required.Count;
                if (minExtras > 1)
                    throw Refuse(pointer, $"'minProperties' {lo}, {minExtras} more than the {listed.Count} properties listed");
            }
        }
        if (Count(s, "maxProperties", pointer) is { } hi)
        {
            if (required.Count > hi)
                throw Refuse(pointer, $"'maxProperties' {hi} below the {required.Count} required properties");
            if (extras)
            {
                if (listed.Any(p => !required.Contains(p.Name)))
                    throw Refuse(pointer, $"'maxProperties' {hi} on an object with optional properties and other keys");
                maxExtras = Math.Min(hi - required.Count, MaxCountedKeys); // past it, lowered (a subset)
                if (maxExtras < minExtras)
                    throw Refuse(pointer, $"'maxProperties' {hi} below 'minProperties'");
            }
            else
            {
                int optional = hi - required.Count;
                listed.RemoveAll(p => !required.Contains(p.Name) && optional-- <= 0);
            }
        }
        return (minExtras, maxExtras);
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
            {
                // Draft 7's tuples: items as a list, additionalItems for the rest.
                if (prefix.Count > 0)
                    throw Refuse(pointer, "'items' as a list beside 'prefixItems'");
                int i = 0;
                foreach (var item in itemsSchema.EnumerateArray())
                    prefix.Add(Node(item, $"{pointer}/items/{i++}"));
                if (s.TryGetProperty("additionalItems", out var more))
                    items = more.ValueKind == JsonValueKind.False ? null : Node(more, $"{pointer}/additionalItems");
            }
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
