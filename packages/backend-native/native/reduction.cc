// Reductions over one contiguous block of axes. JS (src/kernels/reduce.ts) views the input as
// [outer, reduce, inner]; the cpu backend instead transposes the reduced axes to the end first,
// which for the per-channel sums of batch norm means copying the whole activation.
#include <cmath>
#include <limits>
#include <sstream>

#include "strided.h"

namespace csi_native {
namespace {

// Op codes shared with src/addon.ts (REDUCE_OP_CODES).
enum class ReduceOp : int { kSum = 0, kMax = 1, kMin = 2 };

// Sums accumulate in double: the cpu backend sums in JS numbers (double), and a float running
// sum over 10^5-10^6 activations drifts by more than the 1e-4 relative tolerance of the tests.
struct SumReducer {
  using Accumulator = double;
  static Accumulator initial() { return 0.0; }
  static Accumulator add(Accumulator total, float value) { return total + value; }
  static Accumulator merge(Accumulator a, Accumulator b) { return a + b; }
};

// NaN wins, as in the cpu backend's Max and Min kernels.
struct MaxReducer {
  using Accumulator = float;
  static Accumulator initial() { return -std::numeric_limits<float>::infinity(); }
  static Accumulator add(Accumulator best, float value) {
    return (best != best || !(value > best || value != value)) ? best : value;
  }
  static Accumulator merge(Accumulator a, Accumulator b) { return add(a, b); }
};

struct MinReducer {
  using Accumulator = float;
  static Accumulator initial() { return std::numeric_limits<float>::infinity(); }
  static Accumulator add(Accumulator best, float value) {
    return (best != best || !(value < best || value != value)) ? best : value;
  }
  static Accumulator merge(Accumulator a, Accumulator b) { return add(a, b); }
};

template <typename Reducer>
typename Reducer::Accumulator reduceContiguous(const float *x, int64_t count) {
  typename Reducer::Accumulator total = Reducer::initial();
  if constexpr (std::is_same_v<Reducer, SumReducer>) {
#pragma omp simd reduction(+ : total)
    for (int64_t i = 0; i < count; ++i) total += x[i];
  } else {
    for (int64_t i = 0; i < count; ++i) total = Reducer::add(total, x[i]);
  }
  return total;
}

// Adds rows [firstRow, endRow) of a [rows, inner] block into accumulators[inner].
template <typename Reducer>
void reduceRowsInto(const float *x, int64_t firstRow, int64_t endRow, int64_t inner,
                    typename Reducer::Accumulator *accumulators) {
  for (int64_t r = firstRow; r < endRow; ++r) {
    const float *row = x + r * inner;
#pragma omp simd
    for (int64_t i = 0; i < inner; ++i) accumulators[i] = Reducer::add(accumulators[i], row[i]);
  }
}

// Splits the reduced axis across threads, for inputs with few output elements per outer index;
// partial results are merged in thread order, so results repeat for a fixed thread count.
template <typename Reducer>
void reduceSplitAcrossThreads(const float *x, int64_t reduceSize, int64_t inner,
                              typename Reducer::Accumulator *result) {
  using Accumulator = typename Reducer::Accumulator;
  int maxThreads = omp_get_max_threads();
  std::vector<Accumulator> partials(static_cast<size_t>(maxThreads) * inner, Reducer::initial());
  int usedThreads = 1;
#pragma omp parallel
  {
    int threads = omp_get_num_threads();
    int thread = omp_get_thread_num();
#pragma omp single
    usedThreads = threads;
    int64_t firstRow = reduceSize * thread / threads;
    int64_t endRow = reduceSize * (thread + 1) / threads;
    Accumulator *mine = partials.data() + static_cast<size_t>(thread) * inner;
    if (inner == 1) {
      mine[0] = reduceContiguous<Reducer>(x + firstRow, endRow - firstRow);
    } else {
      reduceRowsInto<Reducer>(x, firstRow, endRow, inner, mine);
    }
  }
  for (int64_t i = 0; i < inner; ++i) result[i] = Reducer::initial();
  for (int t = 0; t < usedThreads; ++t) {
    for (int64_t i = 0; i < inner; ++i) {
      result[i] = Reducer::merge(result[i], partials[static_cast<size_t>(t) * inner + i]);
    }
  }
}

template <typename Reducer>
void runReduce(const float *x, float *out, int64_t outer, int64_t reduceSize, int64_t inner,
               double scale) {
  using Accumulator = typename Reducer::Accumulator;
  const int64_t total = outer * reduceSize * inner;
  const bool fewOuter = outer < 2 * omp_get_max_threads();
  if (fewOuter && total >= kParallelThreshold && omp_get_max_threads() > 1) {
    std::vector<Accumulator> result(inner);
    for (int64_t o = 0; o < outer; ++o) {
      reduceSplitAcrossThreads<Reducer>(x + o * reduceSize * inner, reduceSize, inner, result.data());
      for (int64_t i = 0; i < inner; ++i) out[o * inner + i] = static_cast<float>(result[i] * scale);
    }
    return;
  }
  forEachRowRange(outer, reduceSize * inner, [&](int64_t firstOuter, int64_t endOuter) {
    std::vector<Accumulator> accumulators(inner);
    for (int64_t o = firstOuter; o < endOuter; ++o) {
      const float *block = x + o * reduceSize * inner;
      if (inner == 1) {
        out[o] = static_cast<float>(reduceContiguous<Reducer>(block, reduceSize) * scale);
        continue;
      }
      std::fill(accumulators.begin(), accumulators.end(), Reducer::initial());
      reduceRowsInto<Reducer>(block, 0, reduceSize, inner, accumulators.data());
      for (int64_t i = 0; i < inner; ++i) out[o * inner + i] = static_cast<float>(accumulators[i] * scale);
    }
  });
}

// reduce(opCode, x, out, outer, reduceSize, inner, scale): x is [outer, reduceSize, inner],
// out is [outer, inner]; sums are multiplied by `scale` (1 / reduceSize gives the mean).
Napi::Value reduce(const Napi::CallbackInfo &info) {
  return guardNative(info, "reduce", [&]() -> Napi::Value {
    int opCode = static_cast<int>(numberArgument(info, 0, "opCode"));
    auto outer = static_cast<int64_t>(numberArgument(info, 3, "outer"));
    auto reduceSize = static_cast<int64_t>(numberArgument(info, 4, "reduceSize"));
    auto inner = static_cast<int64_t>(numberArgument(info, 5, "inner"));
    double scale = numberArgument(info, 6, "scale");
    if (outer <= 0 || reduceSize <= 0 || inner <= 0) {
      std::ostringstream message;
      message << "reduce sizes must be positive; got outer " << outer << ", reduceSize " << reduceSize
              << ", inner " << inner;
      throwTypeError(info.Env(), message.str());
    }
    const float *x = floatArgument(info, 1, "x", outer * reduceSize * inner);
    float *out = floatArgument(info, 2, "out", outer * inner);
    switch (static_cast<ReduceOp>(opCode)) {
      case ReduceOp::kSum:
        runReduce<SumReducer>(x, out, outer, reduceSize, inner, scale);
        break;
      case ReduceOp::kMax:
        runReduce<MaxReducer>(x, out, outer, reduceSize, inner, 1.0);
        break;
      case ReduceOp::kMin:
        runReduce<MinReducer>(x, out, outer, reduceSize, inner, 1.0);
        break;
      default:
        throwTypeError(info.Env(), "unknown reduce op code " + std::to_string(opCode));
    }
    return info.Env().Undefined();
  });
}

}  // namespace

void registerReduction(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Napi::Function::New(env, reduce, "reduce"));
}

}  // namespace csi_native
