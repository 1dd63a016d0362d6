// Convolutions (NHWC, filter [filterH, filterW, inC, outC]) as im2col + GEMM, in row blocks of bounded size.
#pragma once

#include "epilogue.h"
#include "im2col.h"

namespace mmnet {

// out [batch, outH, outW, outC] = epilogue(conv(x, w)).
void Conv2DForward(const float* x, const float* w, float* out, const ConvGeometry& g, const Epilogue& epilogue);

// dx [batch, inH, inW, inC] = gradient of conv(x, w) with respect to x, given dy.
void Conv2DBackpropInput(const float* dy, const float* w, float* dx, const ConvGeometry& g);

// dw [filterH, filterW, inC, outC] = gradient of conv(x, w) with respect to w, given dy.
void Conv2DBackpropFilter(const float* x, const float* dy, float* dw, const ConvGeometry& g);

}  // namespace mmnet
