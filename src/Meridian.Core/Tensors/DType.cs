// Element types of tensors: every type id the GGUF format defines (ggml_type numbering),
// so a file's type field maps to exactly one value here and unknown ids are detectable.
namespace Meridian.Core.Tensors;

/// <summary>
/// Tensor element type. Values are the GGUF/ggml type ids; ids 4, 5, 31-33 and 36-38 were
/// removed from ggml and are kept here so files that use them are named, then refused.
/// </summary>
public enum DType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q4_2 = 4,      // removed from ggml in 2023
    Q4_3 = 5,      // removed from ggml in 2023
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    Q4_0_4_4 = 31, // removed: runtime repacking replaced these
    Q4_0_4_8 = 32,
    Q4_0_8_8 = 33,
    TQ1_0 = 34,
    TQ2_0 = 35,
    IQ4_NL_4_4 = 36, // removed
    IQ4_NL_4_8 = 37,
    IQ4_NL_8_8 = 38,
    MXFP4 = 39,
}
