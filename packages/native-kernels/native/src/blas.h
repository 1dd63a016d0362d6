// Run-time binding to a CBLAS library (OpenBLAS, BLIS or MKL) found with dlopen.
// Nothing here links against a BLAS at build time, so the addon builds on a machine without one.
#pragma once

#include <string>
#include <vector>

namespace mmnet {

// CBLAS enum values (identical in OpenBLAS, BLIS and MKL).
constexpr int kCblasRowMajor = 101;
constexpr int kCblasNoTrans = 111;
constexpr int kCblasTrans = 112;

struct BlasInfo {
  bool loaded = false;
  std::string path;    // the file that was opened
  std::string vendor;  // "openblas", "blis" or "mkl"
  std::string config;  // the library's own description when it has one
};

// Tries each candidate in order and keeps the first library that exports cblas_sgemm.
// Returns false and fills `errors` (one line per candidate) when none loads.
bool LoadBlas(const std::vector<std::string>& candidates, std::vector<std::string>& errors);

const BlasInfo& GetBlasInfo();

// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C.
void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc);

// Sets the BLAS thread count when the library exposes a setter; returns the count in force.
int SetBlasThreads(int threads);
int GetBlasThreads();

}  // namespace mmnet
