#include "matmul.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>

#include "blas.h"
#include "scratch.h"

namespace mmnet {
namespace {

constexpr int64_t kBlock = 32;

// OpenBLAS's row-major kernel with a transposed B is several times slower than with B copied into
// plain layout first when m is large; the copy costs n*k moves against m*n*k multiply-adds.
constexpr int64_t kExplicitTransposeMinRows = 32;

void CheckIntRange(int64_t value, const char* what) {
  if (value > INT_MAX) throw std::range_error(std::string("matrix dimension too large for BLAS: ") + what);
}

}  // namespace

void Transpose(const float* src, int64_t rows, int64_t cols, float* dst) {
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t r1 = std::min(rows, r0 + kBlock);
    for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
      const int64_t c1 = std::min(cols, c0 + kBlock);
      for (int64_t r = r0; r < r1; ++r) {
        for (int64_t c = c0; c < c1; ++c) dst[c * rows + r] = src[r * cols + c];
      }
    }
  }
}

void MatMul(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k, bool transA, bool transB,
            float beta) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (beta == 0.0f) std::memset(c, 0, static_cast<size_t>(m * n) * sizeof(float));
    return;
  }
  CheckIntRange(m, "m");
  CheckIntRange(n, "n");
  CheckIntRange(k, "k");
  if (transB && m >= kExplicitTransposeMinRows) {
    float* plainB = TransposeScratch().Get(static_cast<size_t>(n * k));
    Transpose(b, n, k, plainB);
    b = plainB;
    transB = false;
  }
  const int lda = static_cast<int>(transA ? m : k);
  const int ldb = static_cast<int>(transB ? k : n);
  Sgemm(transA, transB, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a, lda, b, ldb, beta,
        c, static_cast<int>(n));
}

}  // namespace mmnet
