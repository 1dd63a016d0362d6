// Bias and activation applied in place to a row-major [rows, cols] result (tfjs's fused ops:
// activation(matmul + bias)). Bias and prelu weights hold either one value or one value per column.
#pragma once

#include <cstdint>

namespace mmnet {

enum class Activation : int { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kPrelu = 4, kElu = 5, kSigmoid = 6 };

struct Epilogue {
  const float* bias = nullptr;
  int64_t biasSize = 0;  // 1 or cols
  Activation activation = Activation::kLinear;
  float leakyAlpha = 0.2f;
  const float* prelu = nullptr;
  int64_t preluSize = 0;  // 1 or cols

  bool IsIdentity() const { return bias == nullptr && activation == Activation::kLinear; }
};

void ApplyEpilogue(float* data, int64_t rows, int64_t cols, const Epilogue& epilogue);

}  // namespace mmnet
