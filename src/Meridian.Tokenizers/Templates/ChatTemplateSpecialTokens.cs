// The special-token strings transformers passes to every chat template (bos_token, eos_token,
// unk_token, pad_token); from tokenizer_config.json or the GGUF tokenizer.ggml.*_token_id entries.
namespace Meridian.Tokenizers.Templates;

/// <summary>Special tokens for the template context; null ones are left undefined, as transformers does.</summary>
public sealed record ChatTemplateSpecialTokens(string? BosToken = null, string? EosToken = null, string? UnkToken = null, string? PadToken = null);
