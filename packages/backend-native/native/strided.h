// Element loops over a collapsed strided layout, split evenly across OpenMP threads.
// JS (src/strided-layout.ts) merges adjacent dimensions first, so broadcasting a
// [C] vector over [N, H, W, C] arrives here as dims [N*H*W, C] with strides [0, 1].
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "common.h"

namespace csi_native {

constexpr int kMaxStridedRank = 8;

struct StridedLayout {
  int rank = 0;
  int64_t total = 1;
  int64_t dims[kMaxStridedRank] = {};
  // Element strides of up to two inputs for each output dimension; 0 broadcasts.
  int64_t strides[2][kMaxStridedRank] = {};
};

// Calls work(begin, end) on disjoint ranges covering [0, total), in parallel when large.
template <typename Work>
void forEachRange(int64_t total, const Work &work) {
  if (total < kParallelThreshold || omp_get_max_threads() == 1) {
    work(int64_t{0}, total);
    return;
  }
#pragma omp parallel
  {
    int64_t threads = omp_get_num_threads();
    int64_t thread = omp_get_thread_num();
    work(total * thread / threads, total * (thread + 1) / threads);
  }
}

// Calls work(firstRow, endRow) on disjoint row ranges covering [0, rows), in parallel when
// rows * rowLength elements are many.
template <typename Work>
void forEachRowRange(int64_t rows, int64_t rowLength, const Work &work) {
  if (rows * rowLength < kParallelThreshold || rows < 2 || omp_get_max_threads() == 1) {
    work(int64_t{0}, rows);
    return;
  }
#pragma omp parallel
  {
    int64_t threads = omp_get_num_threads();
    int64_t thread = omp_get_thread_num();
    work(rows * thread / threads, rows * (thread + 1) / threads);
  }
}

// Walks output positions [begin, end) row by row (a row is the last dimension), keeping each
// input's offset in step, and calls row(outputOffset, inputOffsets, column, count).
template <int Inputs, typename Row>
void walkRows(const StridedLayout &layout, int64_t begin, int64_t end, const Row &row) {
  const int last = layout.rank - 1;
  const int64_t inner = layout.dims[last];
  int64_t counter[kMaxStridedRank] = {};
  int64_t offsets[2] = {0, 0};
  int64_t remaining = begin / inner;
  for (int d = last - 1; d >= 0; --d) {
    counter[d] = remaining % layout.dims[d];
    remaining /= layout.dims[d];
    for (int k = 0; k < Inputs; ++k) offsets[k] += counter[d] * layout.strides[k][d];
  }
  int64_t column = begin % inner;
  int64_t position = begin;
  while (position < end) {
    int64_t count = std::min(inner - column, end - position);
    row(position, offsets, column, count);
    position += count;
    column = 0;
    for (int d = last - 1; d >= 0; --d) {
      if (++counter[d] < layout.dims[d]) {
        for (int k = 0; k < Inputs; ++k) offsets[k] += layout.strides[k][d];
        break;
      }
      for (int k = 0; k < Inputs; ++k) offsets[k] -= (layout.dims[d] - 1) * layout.strides[k][d];
      counter[d] = 0;
    }
  }
}

}  // namespace csi_native
