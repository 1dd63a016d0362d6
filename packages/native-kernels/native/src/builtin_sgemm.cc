#include "builtin_sgemm.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "parallel.h"

namespace mmnet {
namespace {

bool Supported(const SgemmKernel& kernel) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (&kernel == &Avx512SgemmKernel() && &kernel != &GenericSgemmKernel()) return __builtin_cpu_supports("avx512f");
  if (&kernel == &Avx2SgemmKernel() && &kernel != &GenericSgemmKernel()) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
#endif
  return &kernel == &GenericSgemmKernel();
}

// Widest first.
const SgemmKernel* PickKernel() {
  for (const SgemmKernel* kernel : {&Avx512SgemmKernel(), &Avx2SgemmKernel()}) {
    if (Supported(*kernel)) return kernel;
  }
  return &GenericSgemmKernel();
}

std::atomic<const SgemmKernel*> g_kernel{nullptr};

const SgemmKernel& Kernel() {
  const SgemmKernel* kernel = g_kernel.load(std::memory_order_acquire);
  if (kernel == nullptr) {
    kernel = PickKernel();
    g_kernel.store(kernel, std::memory_order_release);
  }
  return *kernel;
}

std::atomic<int> g_threads{1};

// A 64-byte aligned buffer of at least `count` floats, one per thread (packing buffers are reused per call).
float* AlignedBuffer(std::vector<float>& buffer, size_t count) {
  if (buffer.size() < count + 16) buffer.resize(count + 16);
  const auto address = reinterpret_cast<uintptr_t>(buffer.data());
  return reinterpret_cast<float*>((address + 63) & ~static_cast<uintptr_t>(63));
}

float* PackedA(size_t count) {
  thread_local std::vector<float> buffer;
  return AlignedBuffer(buffer, count);
}

float* PackedB(size_t count) {
  thread_local std::vector<float> buffer;
  return AlignedBuffer(buffer, count);
}

}  // namespace

void SetBuiltinSgemmThreads(int threads) { g_threads.store(std::max(1, threads), std::memory_order_relaxed); }
int BuiltinSgemmThreads() { return g_threads.load(std::memory_order_relaxed); }
const char* BuiltinSgemmKernelName() { return Kernel().name; }

bool SetBuiltinSgemmKernel(const std::string& name) {
  for (const SgemmKernel* kernel : {&Avx512SgemmKernel(), &Avx2SgemmKernel(), &GenericSgemmKernel()}) {
    if (name == kernel->name && Supported(*kernel)) {
      g_kernel.store(kernel, std::memory_order_release);
      return true;
    }
  }
  return false;
}

void BuiltinSgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda,
                  const float* b, int ldb, float beta, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    for (int i = 0; i < m; ++i) {
      float* row = c + static_cast<int64_t>(i) * ldc;
      if (beta == 0.0f) {
        std::memset(row, 0, static_cast<size_t>(n) * sizeof(float));
      } else if (beta != 1.0f) {
        for (int j = 0; j < n; ++j) row[j] *= beta;
      }
    }
    return;
  }
  const SgemmKernel& kernel = Kernel();
  const SgemmArgs g{transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc};
  // Never more threads than the pool has; the pool also serves im2col, so its size is the addon's thread count.
  const int threads = std::min(BuiltinSgemmThreads(), ParallelThreads());
  const int rowBlocks = (m + kernel.mc - 1) / kernel.mc;
  for (int j0 = 0; j0 < n; j0 += kernel.nc) {
    const int nc = std::min(n - j0, kernel.nc);
    const int panels = (nc + kernel.nr - 1) / kernel.nr;
    // Row blocks x groups of B panels, so that short, wide products split across threads too.
    int groups = 1;
    if (threads > 1 && rowBlocks < 4 * threads) groups = std::min(panels, (4 * threads + rowBlocks - 1) / rowBlocks);
    const int panelsPerGroup = (panels + groups - 1) / groups;
    const int64_t tasks = static_cast<int64_t>(rowBlocks) * groups;
    for (int p0 = 0; p0 < k; p0 += kernel.kc) {
      const int kc = std::min(k - p0, kernel.kc);
      float* packedB = PackedB(static_cast<size_t>(panels) * kernel.nr * kc);
      kernel.packB(g, p0, kc, j0, nc, packedB);
      const SgemmBlock block{j0, nc, p0, kc, p0 == 0 ? beta : 1.0f, packedB, panels, groups, panelsPerGroup};
      const size_t packedACount = static_cast<size_t>(kernel.mc) * kc;
      if (threads > 1 && tasks > 1) {
        ParallelFor(tasks, 1, [&](int64_t begin, int64_t end) {
          kernel.runTasks(g, block, begin, end, PackedA(packedACount));
        });
      } else {
        kernel.runTasks(g, block, 0, tasks, PackedA(packedACount));
      }
    }
  }
}

}  // namespace mmnet
