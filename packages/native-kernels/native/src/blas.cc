#include "blas.h"

#include <dlfcn.h>

#include <stdexcept>

#include "builtin_sgemm.h"

namespace mmnet {
namespace {

using SgemmFn = void (*)(int order, int transA, int transB, int m, int n, int k, float alpha,
                         const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc);
using SetIntFn = void (*)(int);
using GetIntFn = int (*)();
using SetLongFn = void (*)(long);
using GetLongFn = long (*)();
using GetConfigFn = char* (*)();
using GetCoreNameFn = char* (*)();

struct BlasBinding {
  void* handle = nullptr;
  SgemmFn sgemm = nullptr;
  SetIntFn setThreadsInt = nullptr;    // openblas_set_num_threads, MKL_Set_Num_Threads
  GetIntFn getThreadsInt = nullptr;    // openblas_get_num_threads, MKL_Get_Max_Threads
  SetLongFn setThreadsLong = nullptr;  // bli_thread_set_num_threads (dim_t)
  GetLongFn getThreadsLong = nullptr;  // bli_thread_get_num_threads
  bool builtin = false;  // the addon's own SGEMM (builtin_sgemm.h): no library could be opened
  BlasInfo info;
  int threads = 0;  // the count set by SetBlasThreads (0: the library's default)
};

BlasBinding g_blas;

// 2^22 multiply-adds: ~0.1 ms on one AVX2/AVX-512 core, where a second thread's wake-up stops paying off.
double g_singleThreadMaxMacs = 4194304.0;

// Set by BlasOnCallingThread: the library is already single-threaded.
bool g_onCallingThread = false;

template <typename Fn>
Fn Symbol(void* handle, const char* name) {
  return reinterpret_cast<Fn>(dlsym(handle, name));
}

bool TryLoad(const std::string& path, std::string& error) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* message = dlerror();
    error = path + ": " + (message != nullptr ? message : "cannot be opened");
    return false;
  }
  auto sgemm = Symbol<SgemmFn>(handle, "cblas_sgemm");
  if (sgemm == nullptr) {
    error = path + ": no cblas_sgemm symbol";
    dlclose(handle);
    return false;
  }
  BlasBinding binding;
  binding.handle = handle;
  binding.sgemm = sgemm;
  binding.info.loaded = true;
  binding.info.path = path;
  if (auto set = Symbol<SetIntFn>(handle, "openblas_set_num_threads")) {
    binding.info.vendor = "openblas";
    binding.setThreadsInt = set;
    binding.getThreadsInt = Symbol<GetIntFn>(handle, "openblas_get_num_threads");
    if (auto config = Symbol<GetConfigFn>(handle, "openblas_get_config")) binding.info.config = config();
    if (auto core = Symbol<GetCoreNameFn>(handle, "openblas_get_corename")) binding.info.core = core();
  } else if (auto set = Symbol<SetLongFn>(handle, "bli_thread_set_num_threads")) {
    binding.info.vendor = "blis";
    binding.setThreadsLong = set;
    binding.getThreadsLong = Symbol<GetLongFn>(handle, "bli_thread_get_num_threads");
  } else if (auto set = Symbol<SetIntFn>(handle, "MKL_Set_Num_Threads")) {
    binding.info.vendor = "mkl";
    binding.setThreadsInt = set;
    binding.getThreadsInt = Symbol<GetIntFn>(handle, "MKL_Get_Max_Threads");
  } else {
    binding.info.vendor = "unknown";
  }
  g_blas = binding;
  return true;
}

void SetLibraryThreads(int threads) {
  if (g_blas.builtin) SetBuiltinSgemmThreads(threads);
  if (g_blas.setThreadsInt != nullptr) g_blas.setThreadsInt(threads);
  if (g_blas.setThreadsLong != nullptr) g_blas.setThreadsLong(threads);
}

}  // namespace

bool LoadBlas(const std::vector<std::string>& candidates, bool allowBuiltin, std::vector<std::string>& errors) {
  if (g_blas.sgemm != nullptr || g_blas.builtin) return true;
  for (const auto& path : candidates) {
    std::string error;
    if (TryLoad(path, error)) return true;
    errors.push_back(error);
  }
  if (!allowBuiltin) return false;
  UseBuiltinSgemm();
  return true;
}

void UseBuiltinSgemm() {
  if (g_blas.builtin) return;
  BlasBinding binding;
  binding.builtin = true;
  binding.info.loaded = true;
  binding.info.path = "";
  binding.info.vendor = "builtin";
  binding.info.config = "built-in SGEMM";
  binding.info.core = BuiltinSgemmKernelName();
  const int threads = g_blas.threads;
  g_blas = binding;  // a library opened before stays open (and idle): it may still be referenced elsewhere
  if (threads > 0) SetBlasThreads(threads);
}

const BlasInfo& GetBlasInfo() { return g_blas.info; }

void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc) {
  if (g_blas.sgemm == nullptr && !g_blas.builtin) throw std::runtime_error("no BLAS library is loaded");
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  // Setting OpenBLAS's thread count to 1 and back costs well under a microsecond (it stores a number; the
  // workers stay alive), much less than waking a worker.
  const bool narrow = !g_onCallingThread && g_blas.threads > 1 && macs < g_singleThreadMaxMacs &&
                      (g_blas.builtin || g_blas.setThreadsInt != nullptr || g_blas.setThreadsLong != nullptr);
  if (narrow) SetLibraryThreads(1);
  if (g_blas.builtin) {
    BuiltinSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    g_blas.sgemm(kCblasRowMajor, transA ? kCblasTrans : kCblasNoTrans, transB ? kCblasTrans : kCblasNoTrans,
                 m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  if (narrow) SetLibraryThreads(g_blas.threads);
}

BlasOnCallingThread::BlasOnCallingThread() {
  if (g_blas.threads > 1) SetLibraryThreads(1);
  g_onCallingThread = true;
}

BlasOnCallingThread::~BlasOnCallingThread() {
  g_onCallingThread = false;
  if (g_blas.threads > 1) SetLibraryThreads(g_blas.threads);
}

double SingleThreadMaxMacs() { return g_singleThreadMaxMacs; }
void SetSingleThreadMaxMacs(double macs) { g_singleThreadMaxMacs = macs > 0 ? macs : 0; }

int SetBlasThreads(int threads) {
  if (threads > 0) {
    SetLibraryThreads(threads);
    g_blas.threads = threads;
  }
  return GetBlasThreads();
}

int GetBlasThreads() {
  if (g_blas.builtin) return BuiltinSgemmThreads();
  if (g_blas.getThreadsInt != nullptr) return g_blas.getThreadsInt();
  if (g_blas.getThreadsLong != nullptr) return static_cast<int>(g_blas.getThreadsLong());
  return 0;
}

}  // namespace mmnet
