// Convolutions (NHWC, filter [filterH, filterW, inC, outC]): Winograd F(2x2, 3x3) where UseWinograd() allows,
// otherwise im2col + GEMM in row blocks of bounded size. im2col and col2im run on the addon's threads.
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
