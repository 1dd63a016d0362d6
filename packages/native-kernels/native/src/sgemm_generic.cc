// The built-in SGEMM for any CPU: 4-float vectors (SSE2 on x86-64, NEON on arm64), 6 x 8 tiles.
#include "builtin_sgemm.h"

namespace mmnet {
namespace generic {
constexpr const char* kName = "generic";
constexpr int kLanes = 4;
constexpr int kMr = 6;
constexpr int kNv = 2;
using Vec = float __attribute__((vector_size(16)));
inline Vec Splat(float s) { return Vec{s, s, s, s}; }
inline Vec Fma(Vec a, Vec b, Vec c) { return a * b + c; }
#include "sgemm_impl.h"
}  // namespace generic
const SgemmKernel& GenericSgemmKernel() { return generic::kKernel; }
}  // namespace mmnet
