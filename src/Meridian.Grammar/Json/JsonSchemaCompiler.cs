// JSON Schema (draft 2020-12 and the draft-7 spellings schemas still use) compiled to a lexeme grammar whose every
// complete sentence validates against the schema. Fails closed: a keyword it cannot enforce is refused naming it
// (GrammarException; the server's 400), never dropped. Design choices, as the engines users compare with make them:
// properties come in the schema's order (llguidance, XGrammar); additionalProperties absent means none (llama.cpp,
// XGrammar's strict mode; a schema that wants extras says additionalProperties: true or gives their schema); oneOf is
// enforced as anyOf only where its branches cannot overlap (different types or constants); a string `pattern` or
// `format` excludes escape sequences inside the string (the pattern is matched against the raw text); numeric bounds
// are enforced for integers (as digit ranges) and refused for non-integer numbers.
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Meridian.Grammar.Cfg;
using Meridian.Grammar.Regex;

namespace Meridian.Grammar.Json;

internal sealed partial class JsonSchemaCompiler
{
    private const int MaxCount = 10_000; // items or properties spelled out one by one

    private readonly CfgBuilder _b = new();
    private readonly JsonGrammar.Symbols _j;
    private readonly JsonElement _root;
    private readonly Dictionary<string, int> _byPointer = new(StringComparer.Ordinal);
    private readonly int _safeChar, _char;

    private JsonSchemaCompiler(JsonElement root, bool singleSpaces)
    {
        _root = root;
        _j = new JsonGrammar.Symbols(_b, singleSpaces);
        var x = _b.Exprs;
        _safeChar = CodePointSet.Of(('"', '"'), ('\\', '\\'), (0, 0x1F)).Complement().ToExpr(x);
        int escape = RegexSyntax.Parse(x, JsonGrammar.EscapePattern, anchored: true);
        _char = x.Or(_safeChar, escape);
    }

    /// <summary>
    /// The grammar of JSON texts that validate against <paramref name="schema"/>; with a <paramref name="prefix"/> or
    /// <paramref name="suffix"/>, the value exactly between them (no whitespace around), and with
    /// <paramref name="repeated"/> one or more such groups separated by a newline (a model's tool-call blocks); with
    /// <paramref name="singleSpaces"/> at most one space between JSON tokens.
    /// </summary>
    public static CfgGrammar Compile(JsonElement schema, string? prefix = null, string? suffix = null, bool repeated = false, bool singleSpaces = false)
    {
        var c = new JsonSchemaCompiler(schema, singleSpaces);
        var b = c._b;
        int value = c.Node(schema, "#");
        int root = b.Nonterminal("root");
        if (prefix is null && suffix is null && !repeated)
        {
            b.Rule(root, c._j.Ows, value, c._j.Ows);
            return b.Build(root);
        }
        int group = b.Fresh("group");
        var parts = new List<int>();
        if (!string.IsNullOrEmpty(prefix))
            parts.Add(b.Literal(prefix));
        parts.Add(value);
        if (!string.IsNullOrEmpty(suffix))
            parts.Add(b.Literal(suffix));
        b.Rule(group, [.. parts]);
        if (!repeated)
        {
            b.Rule(root, group);
            return b.Build(root);
        }
        int more = b.Fresh("more");
        b.Rule(more);
        b.Rule(more, b.Literal("\n"), group, more);
        b.Rule(root, group, more);
        return b.Build(root);
    }

    // The symbol for the values `schema` allows; `pointer` names it in messages and keys $ref targets.
    private int Node(JsonElement schema, string pointer, int depth = 0)
    {
        if (schema.ValueKind == JsonValueKind.True)
            return _j.Value;
        if (schema.ValueKind == JsonValueKind.False)
            throw Refuse(pointer, "the schema false (no value validates)");
        if (schema.ValueKind != JsonValueKind.Object)
            throw new GrammarException($"schema at {pointer} is {schema.ValueKind}, not an object or a boolean");
        if (schema.TryGetProperty("$schema", out var dialect) && !KnownDialect(dialect.GetString()))
            throw Refuse(pointer, $"the dialect '$schema' {dialect.GetString()} (its keywords may mean something else)");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in schema.EnumerateObject())
        {
            if (Constraining.Contains(p.Name))
                keys.Add(p.Name);
        }
        if (keys.Count == 0)
            return _j.Value;
        if (depth > MaxMergeDepth)
            throw Refuse(pointer, $"schemas combined more than {MaxMergeDepth} deep");

        if (schema.TryGetProperty("$ref", out var reference))
        {
            if (keys.Count == 1)
                return Ref(reference.GetString() ?? "", pointer);
            return Node(Combined(schema, pointer), pointer, depth + 1);
        }
        if (keys.Contains("allOf"))
            return Node(Combined(schema, pointer), pointer, depth + 1);
        foreach (string k in new[] { "$dynamicRef", "$recursiveRef", "not", "if" })
        {
            if (keys.Contains(k))
                throw Refuse(pointer, $"the keyword '{k}'");
        }
        if (keys.Contains("const") || keys.Contains("enum"))
            return Constants(schema, keys, pointer);
        foreach (string combinator in new[] { "anyOf", "oneOf" })
        {
            if (!schema.TryGetProperty(combinator, out var list))
                continue;
            if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                throw new GrammarException($"'{combinator}' at {pointer} must be a non-empty array");
            // A false branch matches nothing: it neither widens anyOf nor overlaps in oneOf.
            var original = list.EnumerateArray().Where(b => b.ValueKind != JsonValueKind.False).ToList();
            if (original.Count == 0)
                throw Refuse(pointer, $"'{combinator}' whose every branch is false");
            var branches = Branches(schema, combinator, original, pointer);
            if (combinator == "oneOf" && !Disjoint(original, pointer) && !Disjoint(branches, pointer))
            {
                branches = ToldApartByRequired(original, branches, pointer)
                    ?? throw Refuse(pointer, "'oneOf' whose branches may overlap (enforced where they differ in type, constant or a required property)");
            }
            return Alternatives(combinator, branches.Select((s, i) => Node(s, $"{pointer}/{combinator}/{i}", depth + 1)));
        }

        var types = Types(schema, keys, pointer);
        var alternatives = new List<int>();
        foreach (string type in types)
        {
            alternatives.Add(type switch
            {
                "string" => String(schema, pointer),
                "integer" => Integer(schema, pointer),
                "number" => Number(schema, pointer),
                "boolean" => Alternatives("boolean", [_b.Literal("true"), _b.Literal("false")]),
                "null" => _b.Literal("null"),
                "object" => Object(schema, pointer),
                "array" => Array(schema, pointer),
                _ => throw new GrammarException($"'type' at {pointer} names an unknown type '{type}'"),
            });
        }
        CheckKnown(keys, types, pointer);
        return Alternatives("type", alternatives);
    }

    // const or enum: the listed values that also meet the schema's other keywords (checked against the grammar of
    // those keywords, so a value the grammar cannot produce is left out rather than let through).
    private int Constants(JsonElement schema, HashSet<string> keys, string pointer)
    {
        List<JsonElement> values;
        if (schema.TryGetProperty("const", out var constant))
            values = [constant];
        else
        {
            var enumeration = schema.GetProperty("enum");
            if (enumeration.ValueKind != JsonValueKind.Array || enumeration.GetArrayLength() == 0)
                throw new GrammarException($"'enum' at {pointer} must be a non-empty array");
            values = enumeration.EnumerateArray().ToList();
        }
        if (keys.Contains("const") && keys.Contains("enum"))
            values = values.Where(v => schema.GetProperty("enum").EnumerateArray().Any(e => JsonElement.DeepEquals(e, v))).ToList();
        var rest = (JsonObject)ToNode(schema);
        rest.Remove("const");
        rest.Remove("enum");
        if (keys.Count > (keys.Contains("const") && keys.Contains("enum") ? 2 : 1))
        {
            var c = new JsonSchemaCompiler(_root, singleSpaces: true);
            int value = c.Node(ToElement(rest), pointer);
            int root = c._b.Nonterminal("root");
            c._b.Rule(root, value);
            var grammar = c._b.Build(root);
            var lexer = new Matching.LexerStates(grammar);
            values = values.Where(v =>
            {
                var m = new Matching.GrammarMatcher(grammar, lexer);
                return m.TryBytes(Encoding.UTF8.GetBytes(CompactText(v))) && m.CanEnd();
            }).ToList();
        }
        if (values.Count == 0)
            throw Refuse(pointer, "'enum' or 'const' none of whose values meets the schema's other keywords");
        return Alternatives("enum", values.Select(Literal));
    }

    // The types a schema allows: its 'type', or the one its keywords imply, or all of them.
    private static List<string> Types(JsonElement schema, HashSet<string> keys, string pointer)
    {
        if (schema.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String)
                return [type.GetString()!];
            if (type.ValueKind == JsonValueKind.Array && type.GetArrayLength() > 0)
                return type.EnumerateArray().Select(t => t.GetString() ?? throw new GrammarException($"'type' at {pointer} holds a non-string")).Distinct().ToList();
            throw new GrammarException($"'type' at {pointer} must be a string or a non-empty array of strings");
        }
        var implied = new List<string>();
        if (keys.Overlaps(StringKeywords))
            implied.Add("string");
        if (keys.Overlaps(NumberKeywords))
            implied.Add("number");
        if (keys.Overlaps(ObjectKeywords))
            implied.Add("object");
        if (keys.Overlaps(ArrayKeywords))
            implied.Add("array");
        // Without a 'type', each keyword constrains only values of its type; the values of those types, each
        // constrained, are a subset of what the schema allows.
        if (implied.Count == 0)
            throw Refuse(pointer, $"the keywords {string.Join(", ", keys)}");
        return implied;
    }

    private static readonly HashSet<string> StringKeywords = ["minLength", "maxLength", "pattern", "format"];
    private static readonly HashSet<string> NumberKeywords = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];
    private static readonly HashSet<string> ObjectKeywords = ["properties", "required", "additionalProperties", "minProperties", "maxProperties", "patternProperties", "propertyNames", "dependentRequired", "dependentSchemas", "unevaluatedProperties"];
    private static readonly HashSet<string> ArrayKeywords = ["items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains", "additionalItems", "unevaluatedItems"];

    // Every keyword for a type the schema allows must be one this compiler enforces; a keyword for a type it does not
    // allow constrains nothing (minLength on an integer) and is read past, as validators do.
    private static void CheckKnown(HashSet<string> keys, List<string> types, string pointer)
    {
        foreach (string key in keys)
        {
            if (key == "type")
                continue;
            bool applies = (StringKeywords.Contains(key) && types.Contains("string"))
                || (NumberKeywords.Contains(key) && (types.Contains("integer") || types.Contains("number")))
                || (ObjectKeywords.Contains(key) && types.Contains("object"))
                || (ArrayKeywords.Contains(key) && types.Contains("array"));
            bool family = StringKeywords.Contains(key) || NumberKeywords.Contains(key) || ObjectKeywords.Contains(key) || ArrayKeywords.Contains(key);
            if (family && !applies)
                continue;
            bool enforced = StringKeywords.Contains(key)
                || key is "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" or "multipleOf"
                || key is "properties" or "required" or "additionalProperties" or "patternProperties" or "dependentRequired"
                    or "dependencies" or "minProperties" or "maxProperties"
                || key is "items" or "prefixItems" or "minItems" or "maxItems" or "uniqueItems" or "additionalItems";
            if (!enforced)
                throw Refuse(pointer, $"the keyword '{key}'" + (types.Count == 1 ? $" on type {types[0]}" : ""));
        }
    }

    private int Ref(string reference, string pointer)
    {
        if (!reference.StartsWith('#'))
            throw Refuse(pointer, $"the non-local '$ref' {reference}");
        if (_byPointer.TryGetValue(reference, out int n))
            return n;
        n = _b.Nonterminal("ref " + reference);
        _byPointer[reference] = n;
        var target = Resolve(reference, pointer);
        _b.Rule(n, Node(target, reference));
        return n;
    }

    private JsonElement Resolve(string reference, string pointer)
    {
        var node = _root;
        if (reference.Length <= 1)
            return node;
        if (reference[1] != '/')
            throw Refuse(pointer, $"the anchor '$ref' {reference}");
        foreach (string raw in reference[2..].Split('/'))
        {
            string part = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(part, out var child))
                node = child;
            else if (node.ValueKind == JsonValueKind.Array && int.TryParse(part, out int i) && i >= 0 && i < node.GetArrayLength())
                node = node[i];
            else
                throw new GrammarException($"'$ref' {reference} at {pointer} points at nothing in the schema");
        }
        return node;
    }

    // The compact JSON text of a value, as one lexeme.
    private int Literal(JsonElement value) => _b.Literal(CompactText(value));

    private static string CompactText(JsonElement value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            value.WriteTo(writer);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private int Alternatives(string hint, IEnumerable<int> symbols)
    {
        var list = symbols.Distinct().ToList();
        if (list.Count == 1)
            return list[0];
        int n = _b.Fresh(hint);
        foreach (int s in list)
            _b.Rule(n, s);
        return n;
    }

    // Branches no value matches two of: each pair differs in the kinds of value it allows (its type, or the values of
    // its const or enum), or both list values and share none. A branch's $ref is followed; a branch that says nothing
    // of types allows every kind.
    private bool Disjoint(List<JsonElement> branches, string pointer)
    {
        var shapes = branches.Select(b => Shape(b, pointer)).ToList();
        for (int i = 0; i < shapes.Count; i++)
        {
            for (int k = i + 1; k < shapes.Count; k++)
            {
                var (kindsA, valuesA) = shapes[i];
                var (kindsB, valuesB) = shapes[k];
                bool apart = valuesA is not null && valuesB is not null
                    ? !valuesA.Any(a => valuesB.Any(b => JsonNode.DeepEquals(a, b)))
                    : !kindsA.Overlaps(kindsB);
                if (!apart)
                    return false;
            }
        }
        return true;
    }

    private static readonly string[] Kinds = ["null", "boolean", "object", "array", "string", "number"];

    private (HashSet<string> Kinds, List<JsonNode?>? Values) Shape(JsonElement branch, string pointer)
    {
        if (branch.ValueKind != JsonValueKind.Object)
            return ([.. Kinds], null);
        JsonObject s;
        try
        {
            s = Deref(ToNode(branch), pointer);
        }
        catch (GrammarException)
        {
            return ([.. Kinds], null);
        }
        List<JsonNode?>? values = s["const"] is { } c ? [c] : s["enum"] is JsonArray e ? [.. e] : null;
        HashSet<string> kinds = [.. Kinds];
        if (s["type"] is { } t)
            kinds = [.. TypeNames(t, pointer).Select(n => n == "integer" ? "number" : n)];
        if (values is not null)
        {
            values = [.. values.Where(v => kinds.Contains(KindOf(v)))];
            kinds.IntersectWith(values.Select(KindOf));
        }
        return (kinds, values);
    }

    private static string KindOf(JsonNode? v) => v?.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    // The published meta-schemas whose validation keywords this compiler reads (draft 4 to 2020-12).
    private static bool KnownDialect(string? uri)
    {
        string u = (uri ?? "").TrimEnd('#').Replace("https://", "http://", StringComparison.Ordinal);
        return u is "http://json-schema.org/draft/2020-12/schema" or "http://json-schema.org/draft/2019-09/schema"
            or "http://json-schema.org/draft-07/schema" or "http://json-schema.org/draft-06/schema" or "http://json-schema.org/draft-04/schema";
    }

    private static GrammarException Refuse(string pointer, string what) =>
        new($"JSON Schema at {pointer}: {what} cannot be enforced");
}
