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

// One buffer for column matrices, one for transposed operands.
Scratch& ColumnScratch();
Scratch& TransposeScratch();

// Upper bound in bytes for one column-matrix chunk; convolutions larger than this are done in row blocks.
size_t ColumnChunkBytes();
void SetColumnChunkBytes(size_t bytes);

}  // namespace mmnet
