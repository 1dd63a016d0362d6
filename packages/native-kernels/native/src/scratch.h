// Reusable native work buffers (outside the wasm heap, so they never make it grow).
#pragma once

#include <cstddef>
#include <vector>

namespace mmnet {

class Scratch {
 public:
  // Returns a buffer of at least `count` floats; its contents are undefined.
  float* Get(size_t count) {
    if (buffer_.size() < count) buffer_.resize(count);
    return buffer_.data();
  }
  void Release() { std::vector<float>().swap(buffer_); }
  size_t Capacity() const { return buffer_.size(); }

 private:
  std::vector<float> buffer_;
};

// One buffer for column matrices (and Winograd's transformed input), one for transposed operands, and two
// for Winograd's transformed outputs and filters.
Scratch& ColumnScratch();
Scratch& TransposeScratch();
Scratch& WinogradScratch();
Scratch& WinogradFilterScratch();
void ReleaseAllScratch();

// Upper bound in bytes for one column-matrix chunk; convolutions larger than this are done in row blocks.
size_t ColumnChunkBytes();
void SetColumnChunkBytes(size_t bytes);

}  // namespace mmnet
