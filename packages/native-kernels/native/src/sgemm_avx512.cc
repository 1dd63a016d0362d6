// The built-in SGEMM compiled for AVX-512F (12 x 32 tiles: 24 of the 32 zmm registers accumulate).
#include "builtin_sgemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)
#else
#pragma GCC target("avx512f,fma")
#endif
#include <immintrin.h>

namespace mmnet {
namespace avx512 {
constexpr const char* kName = "avx512";
constexpr int kLanes = 16;
constexpr int kMr = 12;
constexpr int kNv = 2;
using Vec = float __attribute__((vector_size(64)));
inline Vec Splat(float s) { return (Vec)_mm512_set1_ps(s); }
inline Vec Fma(Vec a, Vec b, Vec c) { return (Vec)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c); }
#include "sgemm_impl.h"
}  // namespace avx512
const SgemmKernel& Avx512SgemmKernel() { return avx512::kKernel; }
}  // namespace mmnet

#if defined(__clang__)
#pragma clang attribute pop
#endif
#else
namespace mmnet {
const SgemmKernel& Avx512SgemmKernel() { return GenericSgemmKernel(); }
}  // namespace mmnet
#endif
