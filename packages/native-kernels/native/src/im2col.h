// im2col / col2im for NHWC convolutions with filters laid out [filterH, filterW, inC, outC].
// Row m of the column matrix is output pixel (n, oy, ox); its K = filterH * filterW * inC columns are the
// input values under the filter, in the filter's (ky, kx, c) order, zeros where the filter hangs over padding.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mmnet {

struct ConvGeometry {
  int64_t batch, inH, inW, inC;
  int64_t filterH, filterW, outC;
  int64_t strideH, strideW, dilationH, dilationW;
  int64_t padTop, padLeft;
  int64_t outH, outW;

  int64_t Rows() const { return batch * outH * outW; }
  int64_t Depth() const { return filterH * filterW * inC; }
  // True when the column matrix is the input itself (1x1 filter, stride 1, no padding).
  bool IsPointwise() const {
    return filterH == 1 && filterW == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 &&
           outH == inH && outW == inW;
  }
};

// Writes rows [rowBegin, rowEnd) of the column matrix of x into cols (row-major, Depth() columns).
void Im2Col(const float* x, const ConvGeometry& g, int64_t rowBegin, int64_t rowEnd, float* cols);

// Adds rows [rowBegin, rowEnd) of a column matrix back onto the input-shaped dx (the adjoint of Im2Col).
void Col2ImAdd(const float* cols, const ConvGeometry& g, int64_t rowBegin, int64_t rowEnd, float* dx);

}  // namespace mmnet
