// The JSON printed by `meridian tokenize --json`.
namespace Meridian.Cli.Tokenize;

/// <summary>Token ids and the text of each token (with special tokens shown as their text).</summary>
internal sealed record TokenizeOutput(int[] Ids, string[] Pieces);
