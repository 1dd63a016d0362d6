#include "adam.h"

#include <cmath>

#include "parallel.h"

namespace mmnet {
namespace {

// The element loop, with non-aliasing pointers so that the compiler vectorises it (sqrt and divide included).
void UpdateRange(const float* __restrict x, const float* __restrict m, const float* __restrict v,
                 const float* __restrict g, float* __restrict outX, float* __restrict outM, float* __restrict outV,
                 int64_t count, const AdamConstants c) {
  const float beta1 = c.beta1, beta2 = c.beta2, a1 = 1.0f - c.beta1, a2 = 1.0f - c.beta2;
  const float step = -c.learningRate / c.correction1;
  const float correction2 = c.correction2, epsilon = c.epsilon;
  for (int64_t i = 0; i < count; ++i) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + a1 * gi;
    const float vi = beta2 * v[i] + a2 * (gi * gi);
    outM[i] = mi;
    outV[i] = vi;
    outX[i] = x[i] + step * mi / (std::sqrt(vi / correction2) + epsilon);
  }
}

}  // namespace

void AdamUpdate(const float* x, const float* m, const float* v, const float* g, float* outX, float* outM,
                float* outV, int64_t count, const AdamConstants& c) {
  const AdamConstants constants = c;
  ParallelFor(count, 1 << 16, [=](int64_t begin, int64_t end) {
    UpdateRange(x + begin, m + begin, v + begin, g + begin, outX + begin, outM + begin, outV + begin, end - begin,
                constants);
  });
}

}  // namespace mmnet
