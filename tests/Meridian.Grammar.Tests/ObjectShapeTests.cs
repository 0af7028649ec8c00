// Object keywords the suite's schemas leave unexercised, against JsonSchema.Net: minProperties met by one more key
// and maxProperties counting other keys where they are allowed, patternProperties with additionalProperties, and
// merged allOf branches. Instances
// the schema rejects are not sentences of the grammar, instances it accepts in the grammar's shape are, and random
// sentences of the grammar validate.
using System.Text.Json;
using Json.Schema;
using Meridian.Grammar.Json;
using Meridian.Grammar.Matching;

namespace Meridian.Grammar.Tests;

public sealed class ObjectShapeTests
{
    [Theory]
    [InlineData("""{"type":"object","additionalProperties":{"type":"integer"},"minProperties":1}""", """{"a":1}""", "{}")]
    [InlineData("""{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":true,"minProperties":2}""", """{"id":"x","n":null}""", """{"id":"x"}""")]
    [InlineData("""{"type":"object","patternProperties":{"^x-":{"type":"string"}},"additionalProperties":{"type":"boolean"}}""", """{"x-a":"s","b":true}""", """{"x-a":true}""")]
    [InlineData("""{"type":"object","patternProperties":{"^[a-z]+$":{"type":"integer"}},"minProperties":1,"maxProperties":1}""", """{"ab":1}""", """{"ab":1,"cd":2}""")]
    [InlineData("""{"type":"object","properties":{"k":{"const":1}},"required":["k"],"additionalProperties":true,"maxProperties":3}""", """{"k":1,"a":2,"b":3}""", """{"k":1,"a":2,"b":3,"c":4}""")]
    [InlineData("""{"allOf":[{"type":"object","properties":{"a":{"type":"integer","minimum":0}},"required":["a"]},{"properties":{"a":{"maximum":5},"b":{"type":"string"}}}]}""", """{"a":3,"b":"s"}""", """{"a":7}""")]
    public void Grammar_AgreesWithJsonSchemaNet(string schemaText, string valid, string invalid)
    {
        using var doc = JsonDocument.Parse(schemaText);
        var grammar = JsonSchemaCompiler.Compile(doc.RootElement);
        var lexer = new LexerStates(grammar);
        var validator = JsonSchema.FromText(schemaText);
        Assert.True(validator.Evaluate(JsonDocument.Parse(valid).RootElement).IsValid);
        Assert.False(validator.Evaluate(JsonDocument.Parse(invalid).RootElement).IsValid);
        Assert.True(JsonSchemaSuiteTests.Accepts(grammar, lexer, valid), $"the grammar refuses {valid}");
        Assert.False(JsonSchemaSuiteTests.Accepts(grammar, lexer, invalid), $"the grammar accepts {invalid}");
        for (int seed = 0; seed < 20; seed++)
        {
            string text = JsonSchemaSuiteTests.RandomSentence(grammar, lexer, seed, schemaText);
            using var instance = JsonDocument.Parse(text);
            Assert.True(validator.Evaluate(instance.RootElement).IsValid, $"seed {seed}: {text} is invalid");
        }
    }

    [Fact]
    public void MinPropertiesNeedingTwoOtherKeys_IsRefused()
    {
        // Two other keys could be one key written twice, which a parser reads as one property.
        using var doc = JsonDocument.Parse("""{"type":"object","additionalProperties":true,"minProperties":2}""");
        var e = Assert.Throws<GrammarException>(() => JsonSchemaCompiler.Compile(doc.RootElement));
        Assert.Contains("'minProperties' 2", e.Message);
    }
}
