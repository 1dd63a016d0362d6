// The built-in SGEMM compiled for AVX2 + FMA (6 x 16 tiles: 12 of the 16 ymm registers accumulate).
#include "builtin_sgemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx2,fma")
#endif
#include <immintrin.h>

namespace mmnet {
namespace avx2 {
constexpr const char* kName = "avx2";
constexpr int kLanes = 8;
constexpr int kMr = 6;
constexpr int kNv = 2;
using Vec = float __attribute__((vector_size(32)));
inline Vec Splat(float s) { return (Vec)_mm256_set1_ps(s); }
inline Vec Fma(Vec a, Vec b, Vec c) { return (Vec)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c); }
#include "sgemm_impl.h"
}  // namespace avx2
const SgemmKernel& Avx2SgemmKernel() { return avx2::kKernel; }
}  // namespace mmnet

#if defined(__clang__)
#pragma clang attribute pop
#endif
#else
namespace mmnet {
const SgemmKernel& Avx2SgemmKernel() { return GenericSgemmKernel(); }
}  // namespace mmnet
#endif
