#include "scratch.h"

namespace mmnet {
namespace {
size_t g_columnChunkBytes = size_t{64} << 20;
}

Scratch& ColumnScratch() {
  static Scratch scratch;
  return scratch;
}

Scratch& TransposeScratch() {
  static Scratch scratch;
  return scratch;
}

Scratch& WinogradScratch() {
  static Scratch scratch;
  return scratch;
}

Scratch& WinogradFilterScratch() {
  static Scratch scratch;
  return scratch;
}

void ReleaseAllScratch() {
  ColumnScratch().Release();
  TransposeScratch().Release();
  WinogradScratch().Release();
  WinogradFilterScratch().Release();
}

size_t ColumnChunkBytes() { return g_columnChunkBytes; }
void SetColumnChunkBytes(size_t bytes) { g_columnChunkBytes = bytes < 4096 ? 4096 : bytes; }

}  // namespace mmnet
