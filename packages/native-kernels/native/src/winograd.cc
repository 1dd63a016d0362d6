#include "winograd.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "blas.h"
#include "matmul.h"
#include "parallel.h"
#include "scratch.h"

namespace mmnet {
namespace {

// F(2x2, 3x3) (Lavin & Gray): y = A^T [(G g G^T) . (B^T d B)] A for a 4x4 input tile d and a 3x3 filter g.
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]
constexpr float kG[4][3] = {{1.0f, 0.0f, 0.0f}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0.0f, 0.0f, 1.0f}};
constexpr int kElems = 16;  // transformed values per tile (4x4)

int64_t g_minChannels = 16;

struct Tiling {
  int64_t tilesH, tilesW, perImage, total;
};

Tiling TilesOf(const ConvGeometry& g) {
  Tiling t{(g.outH + 1) / 2, (g.outW + 1) / 2, 0, 0};
  t.perImage = t.tilesH * t.tilesW;
  t.total = g.batch * t.perImage;
  return t;
}

// Tiles per chunk, so that the transformed input and output of a chunk fit in ColumnChunkBytes().
int64_t TilesPerChunk(const ConvGeometry& g, int64_t total) {
  const int64_t tileBytes = kElems * (g.inC + g.outC) * static_cast<int64_t>(sizeof(float));
  return std::max<int64_t>(1, std::min(total, static_cast<int64_t>(ColumnChunkBytes()) / tileBytes));
}

// The input pixel tile t of `x` (geometry g) starts at, one pointer per tile position; `zeros` where the tile
// hangs over the border.
void TilePointers(const float* x, const ConvGeometry& g, const Tiling& tiling, int64_t t, const float* zeros,
                  const float* (&p)[kElems]) {
  const int64_t n = t / tiling.perImage;
  const int64_t rest = t % tiling.perImage;
  const int64_t iy0 = (rest / tiling.tilesW) * 2 - g.padTop;
  const int64_t ix0 = (rest % tiling.tilesW) * 2 - g.padLeft;
  const float* image = x + n * g.inH * g.inW * g.inC;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      const int64_t iy = iy0 + i, ix = ix0 + j;
      p[i * 4 + j] = (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) ? zeros : image + (iy * g.inW + ix) * g.inC;
    }
  }
}

// v[e][t - t0][c] = (B^T d B)[e] for tiles [tBegin, tEnd) of the chunk starting at t0 (count tiles per matrix).
void TransformInput(const float* x, const ConvGeometry& g, const Tiling& tiling, int64_t t0, int64_t count,
                    int64_t tBegin, int64_t tEnd, const float* zeros, float* v) {
  const int64_t channels = g.inC;
  const int64_t stride = count * channels;
  for (int64_t t = tBegin; t < tEnd; ++t) {
    const float* p[kElems];
    TilePointers(x, g, tiling, t, zeros, p);
    float* o = v + (t - t0) * channels;
#pragma GCC ivdep
    for (int64_t c = 0; c < channels; ++c) {
      float d[4][4], r[4][4];
      for (int e = 0; e < kElems; ++e) d[e / 4][e % 4] = p[e][c];
      for (int j = 0; j < 4; ++j) {  // B^T d
        r[0][j] = d[0][j] - d[2][j];
        r[1][j] = d[1][j] + d[2][j];
        r[2][j] = d[2][j] - d[1][j];
        r[3][j] = d[1][j] - d[3][j];
      }
      for (int i = 0; i < 4; ++i) {  // (B^T d) B
        o[(i * 4 + 0) * stride + c] = r[i][0] - r[i][2];
        o[(i * 4 + 1) * stride + c] = r[i][1] + r[i][2];
        o[(i * 4 + 2) * stride + c] = r[i][2] - r[i][1];
        o[(i * 4 + 3) * stride + c] = r[i][1] - r[i][3];
      }
    }
  }
}

// out (geometry g) at tiles [tBegin, tEnd) = A^T m A, with the epilogue applied to each written pixel.
void TransformOutput(const float* m, const ConvGeometry& g, const Tiling& tiling, int64_t t0, int64_t count,
                     int64_t tBegin, int64_t tEnd, const Epilogue& epilogue, float* out) {
  const int64_t channels = g.outC;
  const int64_t stride = count * channels;
  std::vector<float> discard(static_cast<size_t>(channels));
  for (int64_t t = tBegin; t < tEnd; ++t) {
    const int64_t n = t / tiling.perImage;
    const int64_t rest = t % tiling.perImage;
    const int64_t oy0 = (rest / tiling.tilesW) * 2;
    const int64_t ox0 = (rest % tiling.tilesW) * 2;
    float* y[4];
    for (int a = 0; a < 2; ++a) {
      for (int b = 0; b < 2; ++b) {
        const int64_t oy = oy0 + a, ox = ox0 + b;
        y[a * 2 + b] = (oy < g.outH && ox < g.outW)
                           ? out + ((n * g.outH + oy) * g.outW + ox) * channels
                           : discard.data();
      }
    }
    const float* in = m + (t - t0) * channels;
#pragma GCC ivdep
    for (int64_t c = 0; c < channels; ++c) {
      float s[4][2];
      for (int i = 0; i < 4; ++i) {  // M A
        const float m0 = in[(i * 4 + 0) * stride + c], m1 = in[(i * 4 + 1) * stride + c];
        const float m2 = in[(i * 4 + 2) * stride + c], m3 = in[(i * 4 + 3) * stride + c];
        s[i][0] = m0 + m1 + m2;
        s[i][1] = m1 - m2 - m3;
      }
      for (int b = 0; b < 2; ++b) {  // A^T (M A)
        y[0 * 2 + b][c] = s[0][b] + s[1][b] + s[2][b];
        y[1 * 2 + b][c] = s[1][b] - s[2][b] - s[3][b];
      }
    }
    if (!epilogue.IsIdentity()) {
      for (int k = 0; k < 4; ++k) {
        if (y[k] != discard.data()) ApplyEpilogue(y[k], 1, channels, epilogue);
      }
    }
  }
}

// dm[e][t - t0][c] = (A dy A^T)[e] for tiles [tBegin, tEnd): the gradient of a tile's 16 products, given the
// gradient dy of its 2x2 outputs (zero past the output's edge).
void TransformOutputGradient(const float* dy, const ConvGeometry& g, const Tiling& tiling, int64_t t0,
                             int64_t count, int64_t tBegin, int64_t tEnd, const float* zeros, float* dm) {
  const int64_t channels = g.outC;
  const int64_t stride = count * channels;
  for (int64_t t = tBegin; t < tEnd; ++t) {
    const int64_t n = t / tiling.perImage;
    const int64_t rest = t % tiling.perImage;
    const int64_t oy0 = (rest / tiling.tilesW) * 2;
    const int64_t ox0 = (rest % tiling.tilesW) * 2;
    const float* y[4];
    for (int a = 0; a < 2; ++a) {
      for (int b = 0; b < 2; ++b) {
        const int64_t oy = oy0 + a, ox = ox0 + b;
        y[a * 2 + b] = (oy < g.outH && ox < g.outW) ? dy + ((n * g.outH + oy) * g.outW + ox) * channels : zeros;
      }
    }
    float* o = dm + (t - t0) * channels;
#pragma GCC ivdep
    for (int64_t c = 0; c < channels; ++c) {
      float r[2][4];
      for (int a = 0; a < 2; ++a) {  // y A^T
        const float y0 = y[a * 2][c], y1 = y[a * 2 + 1][c];
        r[a][0] = y0;
        r[a][1] = y0 + y1;
        r[a][2] = y0 - y1;
        r[a][3] = -y1;
      }
      for (int j = 0; j < 4; ++j) {  // A (y A^T)
        o[(0 * 4 + j) * stride + c] = r[0][j];
        o[(1 * 4 + j) * stride + c] = r[0][j] + r[1][j];
        o[(2 * 4 + j) * stride + c] = r[0][j] - r[1][j];
        o[(3 * 4 + j) * stride + c] = -r[1][j];
      }
    }
  }
}

// u[e][ci][co] = (G w G^T)[e] for a filter laid out [3, 3, inC, outC].
void TransformFilter(const float* w, int64_t inC, int64_t outC, float* u) {
  const int64_t plane = inC * outC;
  ParallelFor(kElems, 1, [&](int64_t eBegin, int64_t eEnd) {
    for (int64_t e = eBegin; e < eEnd; ++e) {
      float* o = u + e * plane;
      std::fill(o, o + plane, 0.0f);
      for (int ky = 0; ky < 3; ++ky) {
        for (int kx = 0; kx < 3; ++kx) {
          const float coefficient = kG[e / 4][ky] * kG[e % 4][kx];
          if (coefficient == 0.0f) continue;
          const float* src = w + (ky * 3 + kx) * plane;
          for (int64_t i = 0; i < plane; ++i) o[i] += coefficient * src[i];
        }
      }
    }
  });
}

// dw[ky][kx][ci][co] = (G^T du G)[ky][kx]: the filter gradient from the gradient of the transformed filter.
void TransformFilterGradient(const float* du, int64_t inC, int64_t outC, float* dw) {
  const int64_t plane = inC * outC;
  ParallelFor(9, 1, [&](int64_t begin, int64_t end) {
    for (int64_t tap = begin; tap < end; ++tap) {
      float* o = dw + tap * plane;
      std::fill(o, o + plane, 0.0f);
      for (int e = 0; e < kElems; ++e) {
        const float coefficient = kG[e / 4][tap / 3] * kG[e % 4][tap % 3];
        if (coefficient == 0.0f) continue;
        const float* src = du + e * plane;
        for (int64_t i = 0; i < plane; ++i) o[i] += coefficient * src[i];
      }
    }
  });
}

// The 16 independent GEMMs of a chunk, spread over the addon's threads with one BLAS thread each: no BLAS
// thread hand-off per GEMM, and a helper that starts late only means the caller runs more of them.
void RunGemms(const std::function<void(int64_t)>& gemm) {
  const BlasOnCallingThread singleThreadedBlas;
  ParallelFor(kElems, 1, [&](int64_t begin, int64_t end) {
    for (int64_t e = begin; e < end; ++e) gemm(e);
  });
}

// Minimum tiles per parallel block of a transform.
int64_t MinTilesPerBlock(int64_t channels) { return std::max<int64_t>(1, 2048 / std::max<int64_t>(1, channels)); }

// out = epilogue(conv(x, filter)) given the filter's transform u [16, inC, outC].
void Convolve(const float* x, const float* u, float* out, const ConvGeometry& g, const Epilogue& epilogue) {
  const Tiling tiling = TilesOf(g);
  const int64_t chunk = TilesPerChunk(g, tiling.total);
  float* v = ColumnScratch().Get(static_cast<size_t>(kElems * chunk * g.inC));
  float* m = WinogradScratch().Get(static_cast<size_t>(kElems * chunk * g.outC));
  const std::vector<float> zeros(static_cast<size_t>(g.inC), 0.0f);
  for (int64_t t0 = 0; t0 < tiling.total; t0 += chunk) {
    const int64_t count = std::min(chunk, tiling.total - t0);
    ParallelFor(count, MinTilesPerBlock(g.inC), [&](int64_t begin, int64_t end) {
      TransformInput(x, g, tiling, t0, count, t0 + begin, t0 + end, zeros.data(), v);
    });
    RunGemms([&](int64_t e) {
      MatMul(v + e * count * g.inC, u + e * g.inC * g.outC, m + e * count * g.outC, count, g.outC, g.inC, false,
             false);
    });
    ParallelFor(count, MinTilesPerBlock(g.outC), [&](int64_t begin, int64_t end) {
      TransformOutput(m, g, tiling, t0, count, t0 + begin, t0 + end, epilogue, out);
    });
  }
}

}  // namespace

int64_t WinogradMinChannels() { return g_minChannels; }
void SetWinogradMinChannels(int64_t channels) { g_minChannels = channels > 0 ? channels : 0; }

bool UseWinograd(const ConvGeometry& g) {
  return g_minChannels > 0 && g.filterH == 3 && g.filterW == 3 && g.strideH == 1 && g.strideW == 1 &&
         g.dilationH == 1 && g.dilationW == 1 && g.padTop <= 2 && g.padLeft <= 2 && g.inC >= g_minChannels &&
         g.outC >= g_minChannels && g.batch > 0 && g.outH > 0 && g.outW > 0 && g.inH > 0 && g.inW > 0;
}

void WinogradConv2D(const float* x, const float* w, float* out, const ConvGeometry& g, const Epilogue& epilogue) {
  float* u = WinogradFilterScratch().Get(static_cast<size_t>(kElems * g.inC * g.outC));
  TransformFilter(w, g.inC, g.outC, u);
  Convolve(x, u, out, g, epilogue);
}

void WinogradBackpropInput(const float* dy, const float* w, float* dx, const ConvGeometry& g) {
  // dx is the correlation of dy with the filter turned by 180 degrees, its channel axes swapped, and padding
  // 2 - pad on the top and left (stride 1); its "output" is the input's shape.
  const ConvGeometry back{g.batch, g.outH, g.outW, g.outC, 3, 3, g.inC, 1, 1, 1, 1, 2 - g.padTop, 2 - g.padLeft,
                          g.inH, g.inW};
  const int64_t plane = g.inC * g.outC;
  std::vector<float> turned(static_cast<size_t>(9 * plane));
  for (int64_t tap = 0; tap < 9; ++tap) {
    Transpose(w + (8 - tap) * plane, g.inC, g.outC, turned.data() + tap * plane);
  }
  float* u = WinogradFilterScratch().Get(static_cast<size_t>(kElems * plane));
  TransformFilter(turned.data(), g.outC, g.inC, u);
  Convolve(dy, u, dx, back, Epilogue{});
}

void WinogradBackpropFilter(const float* x, const float* dy, float* dw, const ConvGeometry& g) {
  const Tiling tiling = TilesOf(g);
  const int64_t chunk = TilesPerChunk(g, tiling.total);
  const int64_t plane = g.inC * g.outC;
  float* v = ColumnScratch().Get(static_cast<size_t>(kElems * chunk * g.inC));
  float* dm = WinogradScratch().Get(static_cast<size_t>(kElems * chunk * g.outC));
  std::vector<float> du(static_cast<size_t>(kElems * plane));
  const std::vector<float> zeros(static_cast<size_t>(std::max(g.inC, g.outC)), 0.0f);
  for (int64_t t0 = 0; t0 < tiling.total; t0 += chunk) {
    const int64_t count = std::min(chunk, tiling.total - t0);
    ParallelFor(count, MinTilesPerBlock(g.inC + g.outC), [&](int64_t begin, int64_t end) {
      TransformInput(x, g, tiling, t0, count, t0 + begin, t0 + end, zeros.data(), v);
      TransformOutputGradient(dy, g, tiling, t0, count, t0 + begin, t0 + end, zeros.data(), dm);
    });
    RunGemms([&](int64_t e) {
      MatMul(v + e * count * g.inC, dm + e * count * g.outC, du.data() + e * plane, g.inC, g.outC, count, true,
             false, t0 == 0 ? 0.0f : 1.0f);
    });
  }
  TransformFilterGradient(du.data(), g.inC, g.outC, dw);
}

}  // namespace mmnet
