// Per-token attribute bits, as llama.cpp keeps them (llama_token_attr in include/llama.h): the GGUF token
// type plus the lstrip/rstrip behaviour of special tokens.
namespace Meridian.Tokenizers;

[Flags]
internal enum TokenAttributes : ushort
{
    Undefined = 0,
    Unknown = 1 << 0,
    Unused = 1 << 1,
    Normal = 1 << 2,
    Control = 1 << 3,
    UserDefined = 1 << 4,
    Byte = 1 << 5,
    LStrip = 1 << 7,
    RStrip = 1 << 8,
}
