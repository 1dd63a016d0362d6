// Adam's update in one pass over a variable, its moments and its gradient (the maths of tfjs's Adam).
#pragma once

#include <cstdint>

namespace mmnet {

struct AdamConstants {
  float learningRate;
  float beta1;
  float beta2;
  float epsilon;
  float correction1;  // 1 - beta1^t
  float correction2;  // 1 - beta2^t
};

// m' = beta1 m + (1 - beta1) g; v' = beta2 v + (1 - beta2) g^2; x' = x - lr (m' / c1) / (sqrt(v' / c2) + eps).
// Writes x', m', v' to outX, outM, outV (seven distinct buffers). Split across the addon's threads.
void AdamUpdate(const float* x, const float* m, const float* v, const float* g, float* outX, float* outM,
                float* outV, int64_t count, const AdamConstants& c);

}  // namespace mmnet
