// The schemas `meridian bench grammar` measures when none are given: the shapes applications send most (OpenAI's
// structured-output guide's examples, a function's parameters, a product record with enums and bounds, a contact
// with formats, a recursive tree), written here from those public descriptions.
namespace Meridian.Cli.Bench.Grammar;

internal static class BenchSchemas
{
    public static readonly (string Name, string Schema)[] All =
    [
        ("math-reasoning", """
            {"type":"object","properties":{"steps":{"type":"array","items":{"type":"object","properties":{"explanation":{"type":"string"},
            "output":{"type":"string"}},"required":["explanation","output"],"additionalProperties":false}},"final_answer":{"type":"string"}},
            "required":["steps","final_answer"],"additionalProperties":false}
            """),
        ("calendar-event", """
            {"type":"object","properties":{"name":{"type":"string"},"date":{"type":"string","format":"date"},
            "participants":{"type":"array","items":{"type":"string"}}},"required":["name","date","participants"],"additionalProperties":false}
            """),
        ("get-weather", """
            {"type":"object","properties":{"location":{"type":"string","description":"City and country"},
            "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location","unit"],"additionalProperties":false}
            """),
        ("product", """
            {"type":"object","properties":{"id":{"type":"integer","minimum":1},"title":{"type":"string","minLength":1,"maxLength":120},
            "price":{"type":"number"},"currency":{"enum":["USD","EUR","GBP","JPY"]},"tags":{"type":"array","items":{"type":"string"},"maxItems":8},
            "stock":{"type":"integer","minimum":0,"maximum":100000},"available":{"type":"boolean"}},"required":["id","title","price","currency"]}
            """),
        ("contact", """
            {"type":"object","properties":{"email":{"type":"string","format":"email"},"uuid":{"type":"string","format":"uuid"},
            "born":{"type":"string","format":"date-time"},"phone":{"type":"string","pattern":"^\\+?[0-9 ()-]{7,20}$"},
            "address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},
            "required":["city"]}},"required":["email"]}
            """),
        ("tree", """
            {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},
            "required":["value"]}},"$ref":"#/$defs/node"}
            """),
        ("any-json", """{"type":"object","additionalProperties":true}"""),
        ("ui-component", """
            {"$defs":{"c":{"type":"object","properties":{"type":{"enum":["div","button","header","section","field","form"]},"label":{"type":"string"},
            "children":{"type":"array","items":{"$ref":"#/$defs/c"}},"attributes":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},
            "value":{"type":"string"}},"required":["name","value"],"additionalProperties":false}}},"required":["type","label","children","attributes"],
            "additionalProperties":false}},"$ref":"#/$defs/c"}
            """),
    ];
}
