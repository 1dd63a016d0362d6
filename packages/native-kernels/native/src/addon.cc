// Node-API surface of the native kernels. Every kernel call receives the wasm heap's current ArrayBuffer
// (memory growth detaches old ones) and byte offsets of the tensors inside it; all ranges are checked.
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "adam.h"
#include "blas.h"
#include "builtin_sgemm.h"
#include "conv.h"
#include "matmul.h"
#include "parallel.h"
#include "scratch.h"
#include "winograd.h"

namespace {

using mmnet::ConvGeometry;
using mmnet::Epilogue;

struct Heap {
  uint8_t* base;
  size_t size;

  float* At(double offset, double floats, const char* what) const {
    if (!(offset >= 0) || !(floats >= 0) || offset + floats * sizeof(float) > static_cast<double>(size)) {
      throw std::range_error(std::string(what) + " lies outside the wasm heap");
    }
    if (static_cast<uint64_t>(offset) % alignof(float) != 0) {
      throw std::range_error(std::string(what) + " is not 4-byte aligned in the wasm heap");
    }
    return reinterpret_cast<float*>(base + static_cast<size_t>(offset));
  }
};

Heap HeapArg(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsArrayBuffer()) throw Napi::TypeError::New(info.Env(), "expected the wasm heap ArrayBuffer");
  auto buffer = info[index].As<Napi::ArrayBuffer>();
  return Heap{static_cast<uint8_t*>(buffer.Data()), buffer.ByteLength()};
}

double NumberArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (!info[index].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string("expected a number: ") + what);
  return info[index].As<Napi::Number>().DoubleValue();
}

std::vector<double> NumbersArg(const Napi::CallbackInfo& info, size_t index, size_t expected, const char* what) {
  if (!info[index].IsTypedArray() || info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(info.Env(), std::string("expected a Float64Array: ") + what);
  }
  auto array = info[index].As<Napi::Float64Array>();
  if (expected != 0 && array.ElementLength() != expected) {
    throw Napi::TypeError::New(info.Env(), std::string("wrong length for ") + what);
  }
  return std::vector<double>(array.Data(), array.Data() + array.ElementLength());
}

ConvGeometry GeometryArg(const Napi::CallbackInfo& info, size_t index) {
  const auto v = NumbersArg(info, index, 15, "conv geometry");
  for (double d : v) {
    if (!(d >= 0)) throw Napi::RangeError::New(info.Env(), "conv geometry values must be >= 0");
  }
  auto i = [&](int k) { return static_cast<int64_t>(v[k]); };
  return ConvGeometry{i(0), i(1), i(2), i(3), i(4), i(5), i(6), i(7), i(8), i(9), i(10), i(11), i(12), i(13), i(14)};
}

// [biasOffset | -1, biasSize, activation, leakyAlpha, preluOffset | -1, preluSize]
Epilogue EpilogueArg(const Napi::CallbackInfo& info, size_t index, const Heap& heap) {
  const auto v = NumbersArg(info, index, 6, "epilogue");
  Epilogue e;
  if (v[0] >= 0) {
    e.bias = heap.At(v[0], v[1], "bias");
    e.biasSize = static_cast<int64_t>(v[1]);
  }
  const int activation = static_cast<int>(v[2]);
  if (activation < 0 || activation > 6) throw Napi::RangeError::New(info.Env(), "unknown activation code");
  e.activation = static_cast<mmnet::Activation>(activation);
  e.leakyAlpha = static_cast<float>(v[3]);
  if (v[4] >= 0) {
    e.prelu = heap.At(v[4], v[5], "prelu weights");
    e.preluSize = static_cast<int64_t>(v[5]);
  }
  if (e.activation == mmnet::Activation::kPrelu && e.prelu == nullptr) {
    throw Napi::TypeError::New(info.Env(), "prelu activation needs prelu weights");
  }
  return e;
}

template <typename Body>
Napi::Value Guard(const Napi::CallbackInfo& info, Body body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

Napi::Object BlasInfoObject(Napi::Env env) {
  const auto& blas = mmnet::GetBlasInfo();
  auto result = Napi::Object::New(env);
  result.Set("path", blas.path);
  result.Set("vendor", blas.vendor);
  result.Set("config", blas.config);
  result.Set("core", blas.core);
  return result;
}

// loadBlas(candidates, allowBuiltin = true): opens the first library of `candidates` that has cblas_sgemm, else
// uses the built-in SGEMM (or throws when !allowBuiltin). Returns {path, vendor, config, core, failed}.
Napi::Value LoadBlas(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "expected an array of library paths");
  auto list = info[0].As<Napi::Array>();
  std::vector<std::string> candidates;
  for (uint32_t i = 0; i < list.Length(); ++i) candidates.push_back(list.Get(i).As<Napi::String>().Utf8Value());
  const bool allowBuiltin = info.Length() < 2 || info[1].ToBoolean();
  std::vector<std::string> errors;
  if (!mmnet::LoadBlas(candidates, allowBuiltin, errors)) {
    std::string message = "no BLAS library could be loaded";
    for (const auto& e : errors) message += "\n  " + e;
    throw Napi::Error::New(env, message);
  }
  auto result = BlasInfoObject(env);
  auto failed = Napi::Array::New(env, errors.size());
  for (uint32_t i = 0; i < errors.size(); ++i) failed.Set(i, errors[i]);
  result.Set("failed", failed);
  return result;
}

// useBuiltinSgemm(): the addon's own SGEMM from now on; returns the same description as loadBlas.
Napi::Value UseBuiltinSgemm(const Napi::CallbackInfo& info) {
  mmnet::UseBuiltinSgemm();
  auto result = BlasInfoObject(info.Env());
  result.Set("failed", Napi::Array::New(info.Env(), 0));
  return result;
}

// builtinSgemmKernel(name?): the built-in SGEMM's instruction set ("avx512", "avx2", "generic"), after selecting
// `name` when given (throws when this CPU cannot run it).
Napi::Value BuiltinSgemmKernel(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsString()) {
    const std::string name = info[0].As<Napi::String>().Utf8Value();
    if (!mmnet::SetBuiltinSgemmKernel(name)) {
      throw Napi::Error::New(info.Env(), "built-in SGEMM kernel '" + name + "' is unknown or unsupported on this CPU");
    }
  }
  return Napi::String::New(info.Env(), mmnet::BuiltinSgemmKernelName());
}

// Sets the BLAS thread count and the addon's own (im2col/col2im) thread count.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int threads = static_cast<int>(NumberArg(info, 0, "threads"));
  if (threads > 0) mmnet::SetParallelThreads(threads);
  return Napi::Number::New(info.Env(), mmnet::SetBlasThreads(threads));
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), mmnet::GetBlasThreads());
}

Napi::Value SetSingleThreadMacs(const Napi::CallbackInfo& info) {
  mmnet::SetSingleThreadMaxMacs(NumberArg(info, 0, "multiply-adds"));
  return Napi::Number::New(info.Env(), mmnet::SingleThreadMaxMacs());
}

Napi::Value SetWinogradMinChannels(const Napi::CallbackInfo& info) {
  mmnet::SetWinogradMinChannels(static_cast<int64_t>(NumberArg(info, 0, "channels")));
  return Napi::Number::New(info.Env(), static_cast<double>(mmnet::WinogradMinChannels()));
}

Napi::Value SetChunkBytes(const Napi::CallbackInfo& info) {
  mmnet::SetColumnChunkBytes(static_cast<size_t>(NumberArg(info, 0, "chunk bytes")));
  return Napi::Number::New(info.Env(), static_cast<double>(mmnet::ColumnChunkBytes()));
}

Napi::Value ReleaseScratch(const Napi::CallbackInfo& info) {
  mmnet::ReleaseAllScratch();
  return info.Env().Undefined();
}

// matMul(heap, aOffsets, bOffsets, cOffsets, m, n, k, transA, transB, epilogue)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const Heap heap = HeapArg(info, 0);
    const auto aOffsets = NumbersArg(info, 1, 0, "a offsets");
    const auto bOffsets = NumbersArg(info, 2, aOffsets.size(), "b offsets");
    const auto cOffsets = NumbersArg(info, 3, aOffsets.size(), "c offsets");
    const double m = NumberArg(info, 4, "m"), n = NumberArg(info, 5, "n"), k = NumberArg(info, 6, "k");
    const bool transA = info[7].ToBoolean(), transB = info[8].ToBoolean();
    const Epilogue epilogue = EpilogueArg(info, 9, heap);
    for (size_t i = 0; i < aOffsets.size(); ++i) {
      const float* a = heap.At(aOffsets[i], m * k, "matMul a");
      const float* b = heap.At(bOffsets[i], k * n, "matMul b");
      float* c = heap.At(cOffsets[i], m * n, "matMul output");
      mmnet::MatMul(a, b, c, static_cast<int64_t>(m), static_cast<int64_t>(n), static_cast<int64_t>(k), transA,
                    transB);
      mmnet::ApplyEpilogue(c, static_cast<int64_t>(m), static_cast<int64_t>(n), epilogue);
    }
    return info.Env().Undefined();
  });
}

// sgemm(heap, aOffset, bOffset, cOffset, [m, n, k, lda, ldb, ldc], transA, transB, alpha, beta): one row-major
// GEMM on the loaded BLAS (or the built-in SGEMM), for tests of leading dimensions, alpha and beta.
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const Heap heap = HeapArg(info, 0);
    const auto d = NumbersArg(info, 4, 6, "sgemm dimensions");
    for (double v : d) {
      if (!(v >= 0) || v > 2147483647.0) throw Napi::RangeError::New(info.Env(), "sgemm dimensions out of range");
    }
    const bool transA = info[5].ToBoolean(), transB = info[6].ToBoolean();
    const double m = d[0], n = d[1], k = d[2], lda = d[3], ldb = d[4], ldc = d[5];
    const double aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
    if (lda < aCols || ldb < bCols || ldc < n) throw Napi::RangeError::New(info.Env(), "sgemm leading dimension too small");
    const float* a = heap.At(NumberArg(info, 1, "a"), aRows == 0 ? 0 : (aRows - 1) * lda + aCols, "sgemm a");
    const float* b = heap.At(NumberArg(info, 2, "b"), bRows == 0 ? 0 : (bRows - 1) * ldb + bCols, "sgemm b");
    float* c = heap.At(NumberArg(info, 3, "c"), m == 0 ? 0 : (m - 1) * ldc + n, "sgemm c");
    mmnet::Sgemm(transA, transB, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                 static_cast<float>(NumberArg(info, 7, "alpha")), a, static_cast<int>(lda), b, static_cast<int>(ldb),
                 static_cast<float>(NumberArg(info, 8, "beta")), c, static_cast<int>(ldc));
    return info.Env().Undefined();
  });
}

// conv2d(heap, xOffset, wOffset, outOffset, geometry, epilogue)
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const Heap heap = HeapArg(info, 0);
    const ConvGeometry g = GeometryArg(info, 4);
    const float* x = heap.At(NumberArg(info, 1, "x"), g.batch * g.inH * g.inW * g.inC, "conv2d x");
    const float* w = heap.At(NumberArg(info, 2, "filter"), g.Depth() * g.outC, "conv2d filter");
    float* out = heap.At(NumberArg(info, 3, "output"), g.Rows() * g.outC, "conv2d output");
    mmnet::Conv2DForward(x, w, out, g, EpilogueArg(info, 5, heap));
    return info.Env().Undefined();
  });
}

// conv2dBackpropInput(heap, dyOffset, wOffset, dxOffset, geometry)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const Heap heap = HeapArg(info, 0);
    const ConvGeometry g = GeometryArg(info, 4);
    const float* dy = heap.At(NumberArg(info, 1, "dy"), g.Rows() * g.outC, "conv2dBackpropInput dy");
    const float* w = heap.At(NumberArg(info, 2, "filter"), g.Depth() * g.outC, "conv2dBackpropInput filter");
    float* dx = heap.At(NumberArg(info, 3, "dx"), g.batch * g.inH * g.inW * g.inC, "conv2dBackpropInput output");
    mmnet::Conv2DBackpropInput(dy, w, dx, g);
    return info.Env().Undefined();
  });
}

// conv2dBackpropFilter(heap, xOffset, dyOffset, dwOffset, geometry)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const Heap heap = HeapArg(info, 0);
    const ConvGeometry g = GeometryArg(info, 4);
    const float* x = heap.At(NumberArg(info, 1, "x"), g.batch * g.inH * g.inW * g.inC, "conv2dBackpropFilter x");
    const float* dy = heap.At(NumberArg(info, 2, "dy"), g.Rows() * g.outC, "conv2dBackpropFilter dy");
    float* dw = heap.At(NumberArg(info, 3, "dw"), g.Depth() * g.outC, "conv2dBackpropFilter output");
    mmnet::Conv2DBackpropFilter(x, dy, dw, g);
    return info.Env().Undefined();
  });
}

// adamUpdate(heap, [x, m, v, g, outX, outM, outV] offsets, count,
//            [learningRate, beta1, beta2, epsilon, correction1, correction2])
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const Heap heap = HeapArg(info, 0);
    const auto offsets = NumbersArg(info, 1, 7, "adam offsets");
    const double count = NumberArg(info, 2, "count");
    const auto k = NumbersArg(info, 3, 6, "adam constants");
    if (!(count >= 0)) throw Napi::RangeError::New(info.Env(), "adamUpdate: count must be >= 0");
    static const char* const kNames[7] = {"adam x", "adam m", "adam v", "adam gradient",
                                          "adam output x", "adam output m", "adam output v"};
    float* p[7];
    for (int i = 0; i < 7; ++i) p[i] = heap.At(offsets[i], count, kNames[i]);
    const mmnet::AdamConstants c{static_cast<float>(k[0]), static_cast<float>(k[1]), static_cast<float>(k[2]),
                                 static_cast<float>(k[3]), static_cast<float>(k[4]), static_cast<float>(k[5])};
    mmnet::AdamUpdate(p[0], p[1], p[2], p[3], p[4], p[5], p[6], static_cast<int64_t>(count), c);
    return info.Env().Undefined();
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("loadBlas", Napi::Function::New(env, LoadBlas));
  exports.Set("builtinSgemmKernel", Napi::Function::New(env, BuiltinSgemmKernel));
  exports.Set("useBuiltinSgemm", Napi::Function::New(env, UseBuiltinSgemm));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("setSingleThreadMacs", Napi::Function::New(env, SetSingleThreadMacs));
  exports.Set("setWinogradMinChannels", Napi::Function::New(env, SetWinogradMinChannels));
  exports.Set("setChunkBytes", Napi::Function::New(env, SetChunkBytes));
  exports.Set("releaseScratch", Napi::Function::New(env, ReleaseScratch));
  exports.Set("matMul", Napi::Function::New(env, MatMul));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("conv2d", Napi::Function::New(env, Conv2D));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2DBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2DBackpropFilter));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
  return exports;
}

}  // namespace

NODE_API_MODULE(mmnet_native_kernels, Init)
