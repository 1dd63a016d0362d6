#include "conv.h"

#include <algorithm>
#include <cstring>

#include "matmul.h"
#include "scratch.h"

namespace mmnet {
namespace {

int64_t RowsPerChunk(const ConvGeometry& g) {
  const int64_t rowBytes = std::max<int64_t>(1, g.Depth()) * static_cast<int64_t>(sizeof(float));
  const int64_t rows = static_cast<int64_t>(ColumnChunkBytes()) / rowBytes;
  return std::max<int64_t>(1, std::min(rows, g.Rows()));
}

void Zero(float* data, int64_t count) {
  if (count > 0) std::memset(data, 0, static_cast<size_t>(count) * sizeof(float));
}

}  // namespace

void Conv2DForward(const float* x, const float* w, float* out, const ConvGeometry& g, const Epilogue& epilogue) {
  const int64_t rows = g.Rows();
  const int64_t depth = g.Depth();
  if (rows == 0 || g.outC == 0) return;
  if (g.IsPointwise()) {
    MatMul(x, w, out, rows, g.outC, depth, false, false);
  } else {
    const int64_t chunk = RowsPerChunk(g);
    float* cols = ColumnScratch().Get(static_cast<size_t>(chunk * depth));
    for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
      const int64_t r1 = std::min(rows, r0 + chunk);
      Im2Col(x, g, r0, r1, cols);
      MatMul(cols, w, out + r0 * g.outC, r1 - r0, g.outC, depth, false, false);
    }
  }
  ApplyEpilogue(out, rows, g.outC, epilogue);
}

void Conv2DBackpropInput(const float* dy, const float* w, float* dx, const ConvGeometry& g) {
  const int64_t rows = g.Rows();
  const int64_t depth = g.Depth();
  const int64_t inputSize = g.batch * g.inH * g.inW * g.inC;
  // dcols [rows, depth] = dy [rows, outC] @ w^T, with w [depth, outC].
  if (g.IsPointwise()) {
    MatMul(dy, w, dx, rows, depth, g.outC, false, true);
    return;
  }
  Zero(dx, inputSize);
  if (rows == 0 || depth == 0) return;
  const int64_t chunk = RowsPerChunk(g);
  float* cols = ColumnScratch().Get(static_cast<size_t>(chunk * depth));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t r1 = std::min(rows, r0 + chunk);
    MatMul(dy + r0 * g.outC, w, cols, r1 - r0, depth, g.outC, false, true);
    Col2ImAdd(cols, g, r0, r1, dx);
  }
}

void Conv2DBackpropFilter(const float* x, const float* dy, float* dw, const ConvGeometry& g) {
  const int64_t rows = g.Rows();
  const int64_t depth = g.Depth();
  // dw [depth, outC] = cols^T [depth, rows] @ dy [rows, outC].
  if (rows == 0) {
    Zero(dw, depth * g.outC);
    return;
  }
  if (g.IsPointwise()) {
    MatMul(x, dy, dw, depth, g.outC, rows, true, false);
    return;
  }
  const int64_t chunk = RowsPerChunk(g);
  float* cols = ColumnScratch().Get(static_cast<size_t>(chunk * depth));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t r1 = std::min(rows, r0 + chunk);
    Im2Col(x, g, r0, r1, cols);
    MatMul(cols, dy + r0 * g.outC, dw, depth, g.outC, r1 - r0, true, false, r0 == 0 ? 0.0f : 1.0f);
  }
}

}  // namespace mmnet
