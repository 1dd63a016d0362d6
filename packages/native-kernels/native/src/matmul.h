// Matrix products on row-major float32 data, choosing the fastest BLAS call for each transpose case.
#pragma once

#include <cstdint>

namespace mmnet {

// Out-of-place transpose of a row-major [rows, cols] matrix into [cols, rows].
void Transpose(const float* src, int64_t rows, int64_t cols, float* dst);

// c[m, n] = op(a) @ op(b) (+ beta * c), where op(a) is [m, k] and op(b) is [k, n].
// a is stored [m, k] (or [k, m] when transA), b is stored [k, n] (or [n, k] when transB).
void MatMul(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k, bool transA, bool transB,
            float beta = 0.0f);

}  // namespace mmnet
