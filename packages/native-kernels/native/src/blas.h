// Run-time binding to a CBLAS library (OpenBLAS, BLIS or MKL) found with dlopen, else to the addon's own SGEMM.
// Nothing here links against a BLAS at build time, so the addon builds and runs on a machine without one.
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
  std::string core;    // the CPU kernel family the library picked (openblas_get_corename), when it says
};

// Tries each candidate in order and keeps the first library that exports cblas_sgemm. When none loads, uses the
// built-in SGEMM (vendor "builtin", core = its instruction set) if allowBuiltin, else returns false; `errors`
// gets one line per candidate that failed.
bool LoadBlas(const std::vector<std::string>& candidates, bool allowBuiltin, std::vector<std::string>& errors);

// Switches to the built-in SGEMM (keeping the thread count), e.g. when the library found runs slower kernels.
void UseBuiltinSgemm();

const BlasInfo& GetBlasInfo();

// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C.
// Products of fewer than SingleThreadMaxMacs() multiply-adds run on the calling thread only: waking the BLAS
// worker threads costs more than they save there, and on a busy machine a sleeping worker can take a whole
// scheduler time slice (milliseconds) to start.
void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc);

// Sets the BLAS thread count when the library exposes a setter; returns the count in force.
int SetBlasThreads(int threads);
int GetBlasThreads();

// While one of these is alive, every Sgemm runs on its calling thread only, so that the addon's own threads can
// run several independent GEMMs at once (each BLAS call is safe to make from any thread). Create it on the
// thread that makes the BLAS calls otherwise, outside any ParallelFor.
class BlasOnCallingThread {
 public:
  BlasOnCallingThread();
  ~BlasOnCallingThread();
  BlasOnCallingThread(const BlasOnCallingThread&) = delete;
  BlasOnCallingThread& operator=(const BlasOnCallingThread&) = delete;
};

// m * n * k below which a GEMM runs single-threaded (0: never).
double SingleThreadMaxMacs();
void SetSingleThreadMaxMacs(double macs);

}  // namespace mmnet
