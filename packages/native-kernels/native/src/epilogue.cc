#include "epilogue.h"

#include <algorithm>
#include <cmath>

namespace mmnet {
namespace {

inline float Activate(float v, const Epilogue& e, float preluWeight) {
  switch (e.activation) {
    case Activation::kLinear:
      return v;
    case Activation::kRelu:
      return v > 0.0f ? v : 0.0f;
    case Activation::kRelu6:
      return std::min(std::max(v, 0.0f), 6.0f);
    case Activation::kLeakyRelu:
      return v < 0.0f ? e.leakyAlpha * v : v;
    case Activation::kPrelu:
      return v < 0.0f ? preluWeight * v : v;
    case Activation::kElu:
      return v > 0.0f ? v : std::expm1(v);
    case Activation::kSigmoid:
      return 1.0f / (1.0f + std::exp(-v));
  }
  return v;
}

}  // namespace

void ApplyEpilogue(float* data, int64_t rows, int64_t cols, const Epilogue& e) {
  if (e.IsIdentity()) return;
  for (int64_t r = 0; r < rows; ++r) {
    float* row = data + r * cols;
    for (int64_t c = 0; c < cols; ++c) {
      float v = row[c];
      if (e.bias != nullptr) v += e.bias[e.biasSize == 1 ? 0 : c];
      const float preluWeight = e.prelu != nullptr ? e.prelu[e.preluSize == 1 ? 0 : c] : 0.0f;
      row[c] = Activate(v, e, preluWeight);
    }
  }
}

}  // namespace mmnet
