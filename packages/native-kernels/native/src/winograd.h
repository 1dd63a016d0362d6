// 3x3, stride-1 convolutions by Winograd's F(2x2, 3x3) algorithm: each 2x2 block of outputs is computed from a
// 4x4 input tile with 16 multiplications per channel pair instead of 36. The 16 products become 16 GEMMs
// ([tiles, inC] x [inC, outC]), so most of the work still runs in the BLAS, 2.25x less of it than im2col + GEMM.
// The transforms add and halve values only; results agree with im2col + GEMM to ~1e-6 relative.
#pragma once

#include <cstdint>

#include "epilogue.h"
#include "im2col.h"

namespace mmnet {

// True when the Winograd kernels handle this geometry (3x3 filter, stride 1, dilation 1, padding <= 2 on the
// top and left) and its channel counts are at least WinogradMinChannels().
bool UseWinograd(const ConvGeometry& g);

// Channel count (inC and outC) from which UseWinograd() says yes; 0 turns Winograd off.
int64_t WinogradMinChannels();
void SetWinogradMinChannels(int64_t channels);

// out [batch, outH, outW, outC] = epilogue(conv(x, w)), w [3, 3, inC, outC].
void WinogradConv2D(const float* x, const float* w, float* out, const ConvGeometry& g, const Epilogue& epilogue);

// dx [batch, inH, inW, inC] = the gradient of conv(x, w) with respect to x, given dy.
void WinogradBackpropInput(const float* dy, const float* w, float* dx, const ConvGeometry& g);

// dw [3, 3, inC, outC] = the gradient of conv(x, w) with respect to w, given dy.
void WinogradBackpropFilter(const float* x, const float* dy, float* dw, const ConvGeometry& g);

}  // namespace mmnet
