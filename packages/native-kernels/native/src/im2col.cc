#include "im2col.h"

#include <cstring>

namespace mmnet {

void Im2Col(const float* x, const ConvGeometry& g, int64_t rowBegin, int64_t rowEnd, float* cols) {
  const int64_t depth = g.Depth();
  const int64_t pixels = g.outH * g.outW;
  const size_t channelBytes = static_cast<size_t>(g.inC) * sizeof(float);
  for (int64_t m = rowBegin; m < rowEnd; ++m) {
    const int64_t n = m / pixels;
    const int64_t pixel = m % pixels;
    const int64_t oy = pixel / g.outW;
    const int64_t ox = pixel % g.outW;
    const float* image = x + n * g.inH * g.inW * g.inC;
    float* row = cols + (m - rowBegin) * depth;
    for (int64_t ky = 0; ky < g.filterH; ++ky) {
      const int64_t iy = oy * g.strideH - g.padTop + ky * g.dilationH;
      for (int64_t kx = 0; kx < g.filterW; ++kx) {
        const int64_t ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
        float* dst = row + (ky * g.filterW + kx) * g.inC;
        if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) {
          std::memset(dst, 0, channelBytes);
        } else {
          std::memcpy(dst, image + (iy * g.inW + ix) * g.inC, channelBytes);
        }
      }
    }
  }
}

void Col2ImAdd(const float* cols, const ConvGeometry& g, int64_t rowBegin, int64_t rowEnd, float* dx) {
  const int64_t depth = g.Depth();
  const int64_t pixels = g.outH * g.outW;
  for (int64_t m = rowBegin; m < rowEnd; ++m) {
    const int64_t n = m / pixels;
    const int64_t pixel = m % pixels;
    const int64_t oy = pixel / g.outW;
    const int64_t ox = pixel % g.outW;
    float* image = dx + n * g.inH * g.inW * g.inC;
    const float* row = cols + (m - rowBegin) * depth;
    for (int64_t ky = 0; ky < g.filterH; ++ky) {
      const int64_t iy = oy * g.strideH - g.padTop + ky * g.dilationH;
      if (iy < 0 || iy >= g.inH) continue;
      for (int64_t kx = 0; kx < g.filterW; ++kx) {
        const int64_t ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
        if (ix < 0 || ix >= g.inW) continue;
        const float* src = row + (ky * g.filterW + kx) * g.inC;
        float* dst = image + (iy * g.inW + ix) * g.inC;
        for (int64_t c = 0; c < g.inC; ++c) dst[c] += src[c];
      }
    }
  }
}

}  // namespace mmnet
