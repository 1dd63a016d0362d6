#include "conv.h"

#include <algorithm>
#include <cstring>

#include "matmul.h"
#include "parallel.h"
#include "scratch.h"
#include "winograd.h"

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

// Rows of column matrix per parallel block: at least ~64 KiB of output each.
int64_t MinRowsPerBlock(const ConvGeometry& g) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.Depth()));
}

// Im2Col of rows [rowBegin, rowEnd) on the addon's threads.
void ParallelIm2Col(const float* x, const ConvGeometry& g, int64_t rowBegin, int64_t rowEnd, float* cols) {
  const int64_t depth = g.Depth();
  ParallelFor(rowEnd - rowBegin, MinRowsPerBlock(g), [&](int64_t begin, int64_t end) {
    Im2Col(x, g, rowBegin + begin, rowBegin + end, cols + begin * depth);
  });
}

// Col2ImAdd of rows [rowBegin, rowEnd) on the addon's threads, one image per task (rows of one image add onto
// overlapping pixels; different images never overlap). An image whose first row is in this range is zeroed
// first, so dx needs no separate clearing pass when the rows are processed in increasing order.
void ParallelCol2Im(const float* cols, const ConvGeometry& g, int64_t rowBegin, int64_t rowEnd, float* dx) {
  const int64_t pixels = g.outH * g.outW;
  const int64_t imageSize = g.inH * g.inW * g.inC;
  const int64_t firstImage = rowBegin / pixels;
  const int64_t lastImage = (rowEnd - 1) / pixels;
  const int64_t depth = g.Depth();
  ParallelFor(lastImage - firstImage + 1, 1, [&](int64_t begin, int64_t end) {
    for (int64_t n = firstImage + begin; n < firstImage + end; ++n) {
      const int64_t r0 = std::max(rowBegin, n * pixels);
      const int64_t r1 = std::min(rowEnd, (n + 1) * pixels);
      if (r0 == n * pixels) Zero(dx + n * imageSize, imageSize);
      Col2ImAdd(cols + (r0 - rowBegin) * depth, g, r0, r1, dx);
    }
  });
}

}  // namespace

void Conv2DForward(const float* x, const float* w, float* out, const ConvGeometry& g, const Epilogue& epilogue) {
  const int64_t rows = g.Rows();
  const int64_t depth = g.Depth();
  if (rows == 0 || g.outC == 0) return;
  if (UseWinograd(g)) {
    WinogradConv2D(x, w, out, g, epilogue);
    return;
  }
  if (g.IsPointwise()) {
    MatMul(x, w, out, rows, g.outC, depth, false, false);
    ApplyEpilogue(out, rows, g.outC, epilogue);
    return;
  }
  const int64_t chunk = RowsPerChunk(g);
  float* cols = ColumnScratch().Get(static_cast<size_t>(chunk * depth));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t r1 = std::min(rows, r0 + chunk);
    ParallelIm2Col(x, g, r0, r1, cols);
    MatMul(cols, w, out + r0 * g.outC, r1 - r0, g.outC, depth, false, false);
    // While this block of the output is still in cache.
    ApplyEpilogue(out + r0 * g.outC, r1 - r0, g.outC, epilogue);
  }
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
  if (rows == 0 || depth == 0 || g.outH * g.outW == 0) {
    Zero(dx, inputSize);
    return;
  }
  if (UseWinograd(g)) {
    WinogradBackpropInput(dy, w, dx, g);
    return;
  }
  const int64_t chunk = RowsPerChunk(g);
  float* cols = ColumnScratch().Get(static_cast<size_t>(chunk * depth));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t r1 = std::min(rows, r0 + chunk);
    MatMul(dy + r0 * g.outC, w, cols, r1 - r0, depth, g.outC, false, true);
    ParallelCol2Im(cols, g, r0, r1, dx);
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
  if (UseWinograd(g)) {
    WinogradBackpropFilter(x, dy, dw, g);
    return;
  }
  const int64_t chunk = RowsPerChunk(g);
  float* cols = ColumnScratch().Get(static_cast<size_t>(chunk * depth));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t r1 = std::min(rows, r0 + chunk);
    ParallelIm2Col(x, g, r0, r1, cols);
    MatMul(cols, dy + r0 * g.outC, dw, depth, g.outC, r1 - r0, true, false, r0 == 0 ? 0.0f : 1.0f);
  }
}

}  // namespace mmnet
