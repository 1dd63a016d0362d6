// A self-contained single-precision GEMM, used when no BLAS library can be opened (so the prebuilt addon runs
// at full speed on a machine without OpenBLAS). The blocked algorithm lives in sgemm_impl.h and is compiled once
// per instruction set (AVX-512, AVX2+FMA, baseline); the best one the CPU supports is picked at load time.
#pragma once

#include <cstdint>
#include <string>

namespace mmnet {

struct SgemmArgs {
  bool transA, transB;
  int m, n, k;
  float alpha;
  const float* a;
  int lda;
  const float* b;
  int ldb;
  float beta;
  float* c;
  int ldc;
};

// One packed block of B ([p0, p0 + kc) x [j0, j0 + nc)) and how its row-block x panel-group tasks are split.
struct SgemmBlock {
  int j0, nc, p0, kc;
  float beta;  // beta for this depth block (the caller's beta for the first one, then 1)
  const float* packedB;
  int panels, groups, panelsPerGroup;
};

// One instruction set's kernels: tile sizes and the two steps the driver (builtin_sgemm.cc) calls.
struct SgemmKernel {
  const char* name;
  int mr, nr, kc, mc, nc;
  void (*packB)(const SgemmArgs& g, int p0, int kc, int j0, int nc, float* out);
  // Runs tasks [begin, end) of a block (task = rowBlock * groups + group); packedA holds mc * kc floats.
  void (*runTasks)(const SgemmArgs& g, const SgemmBlock& block, int64_t begin, int64_t end, float* packedA);
};

const SgemmKernel& Avx512SgemmKernel();
const SgemmKernel& Avx2SgemmKernel();
const SgemmKernel& GenericSgemmKernel();

// Row-major C = alpha * op(A) * op(B) + beta * C (cblas_sgemm's meaning with CblasRowMajor), on up to
// BuiltinSgemmThreads() threads (the addon's ParallelFor pool).
void BuiltinSgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda,
                  const float* b, int ldb, float beta, float* c, int ldc);
void SetBuiltinSgemmThreads(int threads);
int BuiltinSgemmThreads();
// "avx512", "avx2" or "generic": the kernel in use (by default the widest this CPU supports).
const char* BuiltinSgemmKernelName();
// Selects a kernel by name (tests run each one the CPU supports); false when unknown or unsupported here.
bool SetBuiltinSgemmKernel(const std::string& name);

}  // namespace mmnet
