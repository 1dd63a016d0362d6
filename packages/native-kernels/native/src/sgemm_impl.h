// The built-in SGEMM's kernels, written once with GCC/Clang vector extensions and compiled once per instruction
// set: sgemm_avx512.cc, sgemm_avx2.cc and sgemm_generic.cc each select their target and include this file
// inside their own namespace. Style of BLIS/GotoBLAS: B is packed into KC x NR panels, A into MR x KC panels,
// and each MR x NR tile of C is accumulated in registers. These files use no standard-library templates, so no
// code compiled for a wider instruction set can be shared with (and run by) the baseline path.
//
// Requires before inclusion: kLanes (floats per vector), kMr (rows per tile), kNv (vectors per tile row),
// Vec (the vector type), Splat(s) (s in every lane) and Fma(a, b, c) = a * b + c.
// No include guard: included once per instruction set.

// The tile loops must be unrolled completely, or the accumulators live in memory instead of registers.
#if defined(__clang__)
#define MMNET_UNROLL _Pragma("unroll")
#else
#define MMNET_UNROLL _Pragma("GCC unroll 16")
#endif

constexpr int kNr = kLanes * kNv;
constexpr int kKc = 256;               // depth of one packed block
constexpr int kMc = kMr * (96 / kMr);  // rows of A packed at once
constexpr int kNc = 2048;              // columns of B packed at once

// Packs rows [i0, i0 + mc) x depth [p0, p0 + kc) of a transposed A (stored k x m) into MR-row panels,
// zero-padding the last one.
void PackA(const SgemmArgs& g, int i0, int mc, int p0, int kc, float* out) {
  for (int ir = 0; ir < mc; ir += kMr) {
    const int rows = mc - ir < kMr ? mc - ir : kMr;
    for (int p = 0; p < kc; ++p) {
      const float* src = g.a + static_cast<int64_t>(p0 + p) * g.lda + i0 + ir;
      int r = 0;
      for (; r < rows; ++r) out[p * kMr + r] = src[r];
      for (; r < kMr; ++r) out[p * kMr + r] = 0.0f;
    }
    out += kMr * kc;
  }
}

// Packs depth [p0, p0 + kc) x columns [j0, j0 + nc) of op(B) into NR-column panels, zero-padding the last one.
void PackB(const SgemmArgs& g, int p0, int kc, int j0, int nc, float* out) {
  for (int jr = 0; jr < nc; jr += kNr) {
    const int cols = nc - jr < kNr ? nc - jr : kNr;
    if (!g.transB) {
      for (int p = 0; p < kc; ++p) {
        const float* src = g.b + static_cast<int64_t>(p0 + p) * g.ldb + j0 + jr;
        float* dst = out + p * kNr;
        int c = 0;
        for (; c < cols; ++c) dst[c] = src[c];
        for (; c < kNr; ++c) dst[c] = 0.0f;
      }
    } else {
      for (int c = 0; c < kNr; ++c) {
        if (c < cols) {
          const float* src = g.b + static_cast<int64_t>(j0 + jr + c) * g.ldb + p0;
          for (int p = 0; p < kc; ++p) out[p * kNr + c] = src[p];
        } else {
          for (int p = 0; p < kc; ++p) out[p * kNr + c] = 0.0f;
        }
      }
    }
    out += kNr * kc;
  }
}

// One MR x NR tile: acc = op(A) rows * Bp over kc, then C = alpha * acc + beta * C for its first rows x cols
// entries. A is read at ap[r * rowStride + p * depthStride]: a packed panel (1, MR), or op(A) itself when it is
// row-major (lda, 1), which saves packing A (costly next to the work when n is small). beta == 0 never reads C.
inline void MicroKernel(int kc, const float* __restrict ap, int64_t rowStride, int64_t depthStride,
                        const float* __restrict bp, float* c, int64_t ldc, float alpha, float beta, int rows,
                        int cols) {
  Vec acc[kMr][kNv];
  MMNET_UNROLL
  for (int r = 0; r < kMr; ++r) {
    MMNET_UNROLL
    for (int v = 0; v < kNv; ++v) acc[r][v] = Vec{};
  }
  const float* rowsOfA[kMr];
  MMNET_UNROLL
  for (int r = 0; r < kMr; ++r) rowsOfA[r] = ap + (r < rows ? r : 0) * rowStride;
  for (int p = 0; p < kc; ++p) {
    Vec bv[kNv];
    MMNET_UNROLL
    for (int v = 0; v < kNv; ++v) bv[v] = *reinterpret_cast<const Vec*>(bp + v * kLanes);
    const int64_t offset = p * depthStride;
    MMNET_UNROLL
    for (int r = 0; r < kMr; ++r) {
      const Vec s = Splat(rowsOfA[r][offset]);
      MMNET_UNROLL
      for (int v = 0; v < kNv; ++v) acc[r][v] = Fma(s, bv[v], acc[r][v]);
    }
    bp += kNr;
  }
  const Vec alphaV = Splat(alpha);
  const Vec betaV = Splat(beta);
  if (rows == kMr && cols == kNr) {
    for (int r = 0; r < kMr; ++r) {
      float* row = c + r * ldc;
      for (int v = 0; v < kNv; ++v) {
        Vec out = alphaV * acc[r][v];
        if (beta != 0.0f) {
          Vec old;
          __builtin_memcpy(&old, row + v * kLanes, sizeof(Vec));
          out = Fma(betaV, old, out);
        }
        __builtin_memcpy(row + v * kLanes, &out, sizeof(Vec));
      }
    }
    return;
  }
  alignas(64) float tile[kMr * kNr];
  for (int r = 0; r < kMr; ++r) {
    for (int v = 0; v < kNv; ++v) __builtin_memcpy(tile + r * kNr + v * kLanes, &acc[r][v], sizeof(Vec));
  }
  for (int r = 0; r < rows; ++r) {
    float* row = c + r * ldc;
    for (int j = 0; j < cols; ++j) {
      row[j] = beta == 0.0f ? alpha * tile[r * kNr + j] : alpha * tile[r * kNr + j] + beta * row[j];
    }
  }
}

void RunTasks(const SgemmArgs& g, const SgemmBlock& block, int64_t begin, int64_t end, float* packedA) {
  for (int64_t task = begin; task < end; ++task) {
    const int rowBlock = static_cast<int>(task / block.groups);
    const int group = static_cast<int>(task % block.groups);
    const int firstPanel = group * block.panelsPerGroup;
    const int lastPanel =
        firstPanel + block.panelsPerGroup < block.panels ? firstPanel + block.panelsPerGroup : block.panels;
    if (firstPanel >= lastPanel) continue;
    const int i0 = rowBlock * kMc;
    const int mc = g.m - i0 < kMc ? g.m - i0 : kMc;
    // A transposed is packed (its rows are columns in memory); row-major A is read in place.
    if (g.transA) PackA(g, i0, mc, block.p0, block.kc, packedA);
    for (int panel = firstPanel; panel < lastPanel; ++panel) {
      const int jr = panel * kNr;
      const int cols = block.nc - jr < kNr ? block.nc - jr : kNr;
      const float* bp = block.packedB + static_cast<int64_t>(panel) * kNr * block.kc;
      for (int ir = 0; ir < mc; ir += kMr) {
        const int rows = mc - ir < kMr ? mc - ir : kMr;
        float* c = g.c + static_cast<int64_t>(i0 + ir) * g.ldc + block.j0 + jr;
        if (g.transA) {
          MicroKernel(block.kc, packedA + static_cast<int64_t>(ir) * block.kc, 1, kMr, bp, c, g.ldc, g.alpha,
                      block.beta, rows, cols);
        } else {
          MicroKernel(block.kc, g.a + static_cast<int64_t>(i0 + ir) * g.lda + block.p0, g.lda, 1, bp, c, g.ldc,
                      g.alpha, block.beta, rows, cols);
        }
      }
    }
  }
}

const SgemmKernel kKernel = {kName, kMr, kNr, kKc, kMc, kNc, &PackB, &RunTasks};

#undef MMNET_UNROLL
