// A small pool of helper threads for the addon's own loops (im2col, col2im), separate from the BLAS threads.
// Work is split into blocks that the calling thread and the helpers take from a shared counter, so the caller
// never waits for a helper that has not started (on a busy machine it simply does every block itself).
#pragma once

#include <cstdint>
#include <functional>

namespace mmnet {

// How many threads (the caller included) a ParallelFor may use; 1 runs everything on the caller.
void SetParallelThreads(int threads);
int ParallelThreads();

// Calls body(begin, end) over [0, count) in blocks of at least minBlock items, from up to ParallelThreads()
// threads at once. Returns when every block is done. body must not throw.
void ParallelFor(int64_t count, int64_t minBlock, const std::function<void(int64_t, int64_t)>& body);

}  // namespace mmnet
