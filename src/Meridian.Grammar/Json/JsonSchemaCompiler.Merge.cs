// Schemas that combine: allOf, a $ref beside other keywords, and anyOf/oneOf beside other keywords are rewritten into
// one schema (or one schema per branch) by merging keywords, the way llguidance intersects schemas: types intersect,
// properties and required unite, bounds take the tighter value, enums keep the values both allow, and a property one
// side's additionalProperties forbids is forbidden. A pair of keywords that cannot be merged (two different patterns
// on one string, say) is refused naming both. oneOf branches that may overlap are told apart by a required property:
// branch i forbids a property branch j requires and i does not, so exactly one branch matches every output.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Meridian.Grammar.Json;

internal sealed partial class JsonSchemaCompiler
{
    private const int MaxMergeDepth = 32;
    private const int MaxBranchProduct = 64;

    // Keywords of the validation and applicator vocabularies, draft 4 to 2020-12: they constrain values, so each is
    // enforced or refused. Every other keyword (annotations, extensions such as x-* or _format, misspellings)
    // constrains nothing, as the specification and every validator treat it, and is read past.
    private static readonly HashSet<string> Constraining =
    [
        "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
        "minLength", "pattern", "format", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains", "contains",
        "items", "prefixItems", "additionalItems", "unevaluatedItems", "maxProperties", "minProperties", "required",
        "dependentRequired", "dependencies", "dependentSchemas", "properties", "patternProperties", "additionalProperties",
        "propertyNames", "unevaluatedProperties", "allOf", "anyOf", "oneOf", "not", "if", "$ref", "$dynamicRef",
        "$recursiveRef",
    ];

    private static bool IsLower(string k) => k is "minimum" or "minLength" or "minItems" or "minProperties" or "minContains";

    private static bool IsUpper(string k) => k is "maximum" or "maxLength" or "maxItems" or "maxProperties" or "maxContains";

    // `schema` with its top-level $ref replaced by the target merged with the $ref's siblings.
    private JsonObject Deref(JsonNode? schema, string pointer)
    {
        var s = schema switch
        {
            JsonObject o => (JsonObject)o.DeepClone(),
            JsonValue v when v.GetValueKind() == JsonValueKind.True => [],
            JsonValue v when v.GetValueKind() == JsonValueKind.False => throw Refuse(pointer, "the schema false (no value validates)"),
            _ => throw new GrammarException($"schema at {pointer} is not an object or a boolean"),
        };
        for (int depth = 0; s["$ref"] is JsonValue r; depth++)
        {
            if (depth > MaxMergeDepth)
                throw Refuse(pointer, $"'$ref' chains more than {MaxMergeDepth} long");
            string reference = r.GetValue<string>();
            if (!reference.StartsWith('#'))
                throw Refuse(pointer, $"the non-local '$ref' {reference}");
            s.Remove("$ref");
            s = Merge(Deref(JsonNode.Parse(Resolve(reference, pointer).GetRawText()), reference), s, pointer);
        }
        return s;
    }

    // The schema every value must meet that meets both `a` and `b` (neither holds a top-level $ref).
    private JsonObject Merge(JsonObject a, JsonObject b, string pointer)
    {
        var result = (JsonObject)a.DeepClone();
        // A property one side lists and the other does not falls under the other's additionalProperties.
        ApplyAdditional(result, b, pointer);
        var bCopy = (JsonObject)b.DeepClone();
        ApplyAdditional(bCopy, a, pointer);
        // Likewise an item one side places by position and the other does not falls under the other's items.
        ApplyItems(result, b, pointer);
        ApplyItems(bCopy, a, pointer);
        foreach (var (key, vb) in bCopy)
        {
            if (!Constraining.Contains(key))
                continue;
            if (!result.TryGetPropertyValue(key, out var va))
            {
                result[key] = vb?.DeepClone();
                continue;
            }
            result[key] = MergeKeyword(key, va, vb, pointer);
        }
        return result;
    }

    private static void ApplyItems(JsonObject target, JsonObject other, string pointer)
    {
        if (target["items"] is JsonArray || other["items"] is JsonArray)
        {
            if ((target.ContainsKey("items") || target.ContainsKey("prefixItems")) && (other.ContainsKey("items") || other.ContainsKey("prefixItems")))
                throw Refuse(pointer, "'allOf' of tuples written as 'items' lists");
            return;
        }
        if (target["prefixItems"] is not JsonArray prefix || other.ContainsKey("prefixItems") || !other.TryGetPropertyValue("items", out var items))
            return;
        for (int i = 0; i < prefix.Count; i++)
            prefix[i] = IsFalse(items) ? false : new JsonObject { ["allOf"] = new JsonArray(prefix[i]?.DeepClone(), items?.DeepClone()) };
    }

    private static void ApplyAdditional(JsonObject target, JsonObject other, string pointer)
    {
        if (target.ContainsKey("patternProperties") && other.TryGetPropertyValue("additionalProperties", out var more)
            && !(more is JsonValue t && t.GetValueKind() == JsonValueKind.True)
            && !JsonNode.DeepEquals(target["patternProperties"], other["patternProperties"]))
            throw Refuse(pointer, "'allOf' of 'patternProperties' and another schema's 'additionalProperties'");
        if (target["properties"] is not JsonObject props || !other.TryGetPropertyValue("additionalProperties", out var extra))
            return;
        var listed = other["properties"] as JsonObject;
        if (other.ContainsKey("patternProperties"))
            throw Refuse(pointer, "'allOf' of 'properties' and 'patternProperties' with 'additionalProperties'");
        foreach (var name in props.Select(p => p.Key).ToList())
        {
            if (listed?.ContainsKey(name) == true)
                continue;
            if (extra is JsonValue f && f.GetValueKind() == JsonValueKind.False)
                props[name] = false;
            else if (extra is JsonObject schema)
                props[name] = new JsonObject { ["allOf"] = new JsonArray(props[name]?.DeepClone(), schema.DeepClone()) };
        }
    }

    private JsonNode? MergeKeyword(string key, JsonNode? va, JsonNode? vb, string pointer)
    {
        if (JsonNode.DeepEquals(va, vb))
            return va;
        switch (key)
        {
            case "type":
            {
                var both = TypeNames(va, pointer).Intersect(TypeNames(vb, pointer)).ToList();
                if (TypeNames(va, pointer).Contains("number") && TypeNames(vb, pointer).Contains("integer")
                    || TypeNames(vb, pointer).Contains("number") && TypeNames(va, pointer).Contains("integer"))
                    both = [.. both.Append("integer").Distinct()];
                if (both.Count == 0)
                    throw Refuse(pointer, "'allOf' of schemas whose types do not overlap");
                return new JsonArray([.. both.Select(t => (JsonNode)t)]);
            }
            case "required":
                return new JsonArray([.. Names(va).Union(Names(vb)).Select(n => (JsonNode)n)]);
            case "properties" when va is JsonObject pa && vb is JsonObject pb:
            {
                var merged = (JsonObject)pa.DeepClone();
                foreach (var (name, schema) in pb)
                {
                    merged[name] = merged.TryGetPropertyValue(name, out var mine)
                        ? new JsonObject { ["allOf"] = new JsonArray(mine?.DeepClone(), schema?.DeepClone()) }
                        : schema?.DeepClone();
                }
                return merged;
            }
            case "enum" when va is JsonArray ea && vb is JsonArray eb:
            {
                var kept = ea.Where(x => eb.Any(y => JsonNode.DeepEquals(x, y))).Select(x => x?.DeepClone()).ToArray();
                if (kept.Length == 0)
                    throw Refuse(pointer, "'allOf' of enums with no value in common");
                return new JsonArray(kept);
            }
            case "allOf" when va is JsonArray la && vb is JsonArray lb:
                return new JsonArray([.. la.Select(x => x?.DeepClone()), .. lb.Select(x => x?.DeepClone())]);
            case "anyOf" or "oneOf" when va is JsonArray xa && vb is JsonArray xb:
                // Both sides choose: every pair of branches, as anyOf (a pair meets both sides' choices).
                if (key == "oneOf" || xa.Count * xb.Count > MaxBranchProduct)
                    throw Refuse(pointer, $"'allOf' of two '{key}' lists");
                return new JsonArray([.. xa.SelectMany(x => xb.Select(y => (JsonNode)new JsonObject { ["allOf"] = new JsonArray(x?.DeepClone(), y?.DeepClone()) }))]);
            case "items" or "additionalProperties":
                if (IsFalse(va) || IsFalse(vb))
                    return false;
                if (va is JsonValue t && t.GetValueKind() == JsonValueKind.True)
                    return vb?.DeepClone();
                if (vb is JsonValue u && u.GetValueKind() == JsonValueKind.True)
                    return va?.DeepClone();
                return new JsonObject { ["allOf"] = new JsonArray(va?.DeepClone(), vb?.DeepClone()) };
            case "exclusiveMinimum" or "exclusiveMaximum" when va is JsonValue && vb is JsonValue
                && va.GetValueKind() == JsonValueKind.Number && vb.GetValueKind() == JsonValueKind.Number:
            {
                decimal x = va.GetValue<decimal>(), y = vb.GetValue<decimal>();
                return key == "exclusiveMinimum" ? Math.Max(x, y) : Math.Min(x, y);
            }
            case var k when (IsLower(k) || IsUpper(k)) && va?.GetValueKind() == JsonValueKind.Number && vb?.GetValueKind() == JsonValueKind.Number:
            {
                decimal x = va.GetValue<decimal>(), y = vb.GetValue<decimal>();
                return IsLower(k) ? Math.Max(x, y) : Math.Min(x, y);
            }
        }
        throw Refuse(pointer, $"'allOf' of two different '{key}' values");
    }

    private static bool IsFalse(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.False;

    private static List<string> TypeNames(JsonNode? type, string pointer) => type switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        JsonArray a => [.. a.Select(t => t?.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : throw new GrammarException($"'type' at {pointer} holds a non-string"))],
        _ => throw new GrammarException($"'type' at {pointer} must be a string or an array of strings"),
    };

    private static IEnumerable<string> Names(JsonNode? list) =>
        list is JsonArray a ? a.Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : "") : [];

    private static JsonNode ToNode(JsonElement e) => JsonNode.Parse(e.GetRawText())!;

    private static JsonElement ToElement(JsonNode n) => JsonSerializer.SerializeToElement(n);

    // allOf folded into its siblings, or a $ref merged with its siblings.
    private JsonElement Combined(JsonElement schema, string pointer)
    {
        var s = Deref(ToNode(schema), pointer);
        if (s["allOf"] is JsonArray all)
        {
            s.Remove("allOf");
            int i = 0;
            foreach (var branch in all)
                s = Merge(s, Deref(branch, $"{pointer}/allOf/{i}"), $"{pointer}/allOf/{i++}");
        }
        return ToElement(s);
    }

    // anyOf/oneOf branches, each merged with the keywords beside the combinator.
    private List<JsonElement> Branches(JsonElement schema, string combinator, List<JsonElement> branches, string pointer)
    {
        var siblings = (JsonObject)ToNode(schema);
        siblings.Remove(combinator);
        if (!siblings.Any(p => Constraining.Contains(p.Key)))
            return branches;
        return [.. branches.Select((b, i) => ToElement(Merge(siblings, Deref(ToNode(b), $"{pointer}/{combinator}/{i}"), $"{pointer}/{combinator}/{i}")))];
    }

    // oneOf branches (merged) that may overlap, made disjoint by a required property: each object branch forbids, for
    // every other branch, a property that branch requires and this one does not. Null when that cannot be done.
    private List<JsonElement>? ToldApartByRequired(List<JsonElement> original, List<JsonElement> merged, string pointer)
    {
        var result = new List<JsonElement>();
        for (int i = 0; i < merged.Count; i++)
        {
            var mine = Deref(ToNode(merged[i]), pointer);
            var keys = new HashSet<string>(mine.Select(p => p.Key).Where(Constraining.Contains), StringComparer.Ordinal);
            if (keys.Count == 0 || keys.Contains("allOf") || keys.Contains("anyOf") || keys.Contains("oneOf") || keys.Contains("enum") || keys.Contains("const")
                || Types(ToElement(mine), keys, pointer) is not ["object"])
                return null;
            var required = Names(mine["required"]).ToHashSet(StringComparer.Ordinal);
            var props = mine["properties"] as JsonObject ?? [];
            for (int j = 0; j < merged.Count; j++)
            {
                if (j == i)
                    continue;
                var theirs = Deref(ToNode(original[j]), pointer);
                string? apart = Names(theirs["required"]).FirstOrDefault(n => !required.Contains(n));
                if (apart is null)
                    return null;
                props[apart] = false;
            }
            mine["properties"] = props;
            result.Add(ToElement(mine));
        }
        return result;
    }
}
