// Element-wise kernels: broadcasting binary ops, unary ops, strided copies (Tile, Transpose,
// Slice, PadV2) and batch-norm inference. TensorFlow.js's cpu backend computes a broadcast through
// per-element index arithmetic with array allocations. That made [N, H, W, C] op [C] the slowest
// part of a training step, so here broadcasts are plain loops over collapsed strides.
#include <cmath>
#include <limits>
#include <sstream>

#include "strided.h"

namespace csi_native {
namespace {

// Op codes shared with src/addon.ts (BINARY_OP_CODES, UNARY_OP_CODES, COMPARISON_OP_CODES).
enum class BinaryOp : int {
  kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kSquaredDifference = 4, kMaximum = 5, kMinimum = 6, kPow = 7
};
enum class UnaryOp : int {
  kNeg = 0, kSquare = 1, kSqrt = 2, kRsqrt = 3, kExp = 4, kLog = 5, kAbs = 6, kReciprocal = 7,
  kRelu = 8, kRelu6 = 9, kLeakyRelu = 10, kElu = 11, kSigmoid = 12, kStep = 13, kTanh = 14,
  kClipByValue = 15
};
enum class ComparisonOp : int {
  kEqual = 0, kNotEqual = 1, kGreater = 2, kGreaterEqual = 3, kLess = 4, kLessEqual = 5
};

StridedLayout readLayout(const Napi::CallbackInfo &info, size_t dimsIndex, int inputs) {
  std::vector<int64_t> dims = integerListArgument(info, dimsIndex, "dims", -1);
  if (dims.empty() || dims.size() > kMaxStridedRank) {
    throwTypeError(info.Env(), "dims must have 1 to " + std::to_string(kMaxStridedRank) +
                                   " entries; got " + std::to_string(dims.size()));
  }
  StridedLayout layout;
  layout.rank = static_cast<int>(dims.size());
  for (int d = 0; d < layout.rank; ++d) {
    if (dims[d] <= 0) throwTypeError(info.Env(), "dims must be positive");
    layout.dims[d] = dims[d];
    layout.total *= dims[d];
  }
  for (int k = 0; k < inputs; ++k) {
    const char *name = k == 0 ? "first strides" : "second strides";
    std::vector<int64_t> strides = integerListArgument(info, dimsIndex + 1 + k, name, layout.rank);
    for (int d = 0; d < layout.rank; ++d) {
      if (strides[d] < 0) throwTypeError(info.Env(), std::string(name) + " must be non-negative");
      layout.strides[k][d] = strides[d];
    }
  }
  return layout;
}

// One past the largest input offset the layout reaches, to check it against the buffer.
int64_t reachOf(const StridedLayout &layout, int input) {
  int64_t last = 0;
  for (int d = 0; d < layout.rank; ++d) last += (layout.dims[d] - 1) * layout.strides[input][d];
  return last + 1;
}

void checkReach(const Napi::CallbackInfo &info, const StridedLayout &layout, int input,
                size_t argumentIndex, const char *name) {
  int64_t length = info[argumentIndex].As<Napi::TypedArray>().ElementLength();
  if (reachOf(layout, input) > length) {
    std::ostringstream message;
    message << "strides of " << name << " reach element " << reachOf(layout, input) - 1
            << " but it has " << length << " elements";
    throwTypeError(info.Env(), message.str());
  }
}

template <typename In, typename Out, typename Op>
void runBinary(const StridedLayout &layout, const In *a, const In *b, Out *out, Op op) {
  const int last = layout.rank - 1;
  const int64_t strideA = layout.strides[0][last];
  const int64_t strideB = layout.strides[1][last];
  forEachRange(layout.total, [&](int64_t begin, int64_t end) {
    walkRows<2>(layout, begin, end, [&](int64_t position, const int64_t *offsets, int64_t column,
                                        int64_t count) {
      const In *rowA = a + offsets[0] + column * strideA;
      const In *rowB = b + offsets[1] + column * strideB;
      Out *rowOut = out + position;
      if (strideA == 1 && strideB == 1) {
#pragma omp simd
        for (int64_t i = 0; i < count; ++i) rowOut[i] = op(rowA[i], rowB[i]);
      } else if (strideA == 1 && strideB == 0) {
        const In valueB = *rowB;
#pragma omp simd
        for (int64_t i = 0; i < count; ++i) rowOut[i] = op(rowA[i], valueB);
      } else if (strideA == 0 && strideB == 1) {
        const In valueA = *rowA;
#pragma omp simd
        for (int64_t i = 0; i < count; ++i) rowOut[i] = op(valueA, rowB[i]);
      } else {
        for (int64_t i = 0; i < count; ++i) rowOut[i] = op(rowA[i * strideA], rowB[i * strideB]);
      }
    });
  });
}

// NaN-propagating max and min, as Math.max and Math.min do in the cpu backend.
inline float maximumOf(float a, float b) { return (a > b || a != a) ? a : b; }
inline float minimumOf(float a, float b) { return (a < b || a != a) ? a : b; }

// binary(opCode, a, b, out, dims, stridesA, stridesB); out is contiguous with shape dims.
Napi::Value binary(const Napi::CallbackInfo &info) {
  return guardNative(info, "binary", [&]() -> Napi::Value {
    int opCode = static_cast<int>(numberArgument(info, 0, "opCode"));
    StridedLayout layout = readLayout(info, 4, 2);
    const float *a = floatArgument(info, 1, "a", -1);
    const float *b = floatArgument(info, 2, "b", -1);
    float *out = floatArgument(info, 3, "out", layout.total);
    checkReach(info, layout, 0, 1, "a");
    checkReach(info, layout, 1, 2, "b");
    switch (static_cast<BinaryOp>(opCode)) {
      case BinaryOp::kAdd:
        runBinary(layout, a, b, out, [](float x, float y) { return x + y; });
        break;
      case BinaryOp::kSub:
        runBinary(layout, a, b, out, [](float x, float y) { return x - y; });
        break;
      case BinaryOp::kMul:
        runBinary(layout, a, b, out, [](float x, float y) { return x * y; });
        break;
      case BinaryOp::kDiv:
        runBinary(layout, a, b, out, [](float x, float y) { return x / y; });
        break;
      case BinaryOp::kSquaredDifference:
        runBinary(layout, a, b, out, [](float x, float y) { return (x - y) * (x - y); });
        break;
      case BinaryOp::kMaximum:
        runBinary(layout, a, b, out, maximumOf);
        break;
      case BinaryOp::kMinimum:
        runBinary(layout, a, b, out, minimumOf);
        break;
      // In double, as Math.pow computes it in the cpu backend, then rounded once. A scalar exponent
      // of 2 (tf.norm squares this way) takes x * x instead, which vectorises and gives the same
      // float: the square of a float is exact in double, so both round the same value once.
      case BinaryOp::kPow: {
        bool scalarExponent = true;
        for (int d = 0; d < layout.rank; ++d) scalarExponent = scalarExponent && layout.strides[1][d] == 0;
        if (scalarExponent && b[0] == 2.f) {
          runBinary(layout, a, b, out, [](float x, float) { return x * x; });
        } else {
          runBinary(layout, a, b, out, [](float x, float y) {
            return static_cast<float>(std::pow(static_cast<double>(x), static_cast<double>(y)));
          });
        }
        break;
      }
      default:
        throwTypeError(info.Env(), "unknown binary op code " + std::to_string(opCode));
    }
    return info.Env().Undefined();
  });
}

template <typename In>
void runComparison(int opCode, const Napi::CallbackInfo &info, const StridedLayout &layout, const In *a,
                   const In *b, uint8_t *out) {
  switch (static_cast<ComparisonOp>(opCode)) {
    case ComparisonOp::kEqual:
      runBinary(layout, a, b, out, [](In x, In y) { return static_cast<uint8_t>(x == y); });
      break;
    case ComparisonOp::kNotEqual:
      runBinary(layout, a, b, out, [](In x, In y) { return static_cast<uint8_t>(x != y); });
      break;
    case ComparisonOp::kGreater:
      runBinary(layout, a, b, out, [](In x, In y) { return static_cast<uint8_t>(x > y); });
      break;
    case ComparisonOp::kGreaterEqual:
      runBinary(layout, a, b, out, [](In x, In y) { return static_cast<uint8_t>(x >= y); });
      break;
    case ComparisonOp::kLess:
      runBinary(layout, a, b, out, [](In x, In y) { return static_cast<uint8_t>(x < y); });
      break;
    case ComparisonOp::kLessEqual:
      runBinary(layout, a, b, out, [](In x, In y) { return static_cast<uint8_t>(x <= y); });
      break;
    default:
      throwTypeError(info.Env(), "unknown comparison op code " + std::to_string(opCode));
  }
}

// compare(opCode, a, b, out, dims, stridesA, stridesB): out[i] = 1 where the comparison holds,
// else 0. a and b are both Float32Array or both Int32Array; out is a Uint8Array (TensorFlow.js
// bool) with shape dims.
Napi::Value compare(const Napi::CallbackInfo &info) {
  return guardNative(info, "compare", [&]() -> Napi::Value {
    int opCode = static_cast<int>(numberArgument(info, 0, "opCode"));
    StridedLayout layout = readLayout(info, 4, 2);
    if (info.Length() < 4 || !info[1].IsTypedArray() || !info[2].IsTypedArray() || !info[3].IsTypedArray()) {
      throwTypeError(info.Env(), "compare expects typed arrays a, b and out");
    }
    Napi::TypedArray aArray = info[1].As<Napi::TypedArray>();
    Napi::TypedArray bArray = info[2].As<Napi::TypedArray>();
    Napi::TypedArray outArray = info[3].As<Napi::TypedArray>();
    if (outArray.TypedArrayType() != napi_uint8_array || static_cast<int64_t>(outArray.ElementLength()) != layout.total) {
      throwTypeError(info.Env(), "argument out must be a Uint8Array of " + std::to_string(layout.total) + " elements");
    }
    if (aArray.TypedArrayType() != bArray.TypedArrayType()) {
      throwTypeError(info.Env(), "arguments a and b must have the same element type");
    }
    checkReach(info, layout, 0, 1, "a");
    checkReach(info, layout, 1, 2, "b");
    uint8_t *out = outArray.As<Napi::Uint8Array>().Data();
    if (aArray.TypedArrayType() == napi_float32_array) {
      runComparison(opCode, info, layout, aArray.As<Napi::Float32Array>().Data(), bArray.As<Napi::Float32Array>().Data(), out);
    } else if (aArray.TypedArrayType() == napi_int32_array) {
      runComparison(opCode, info, layout, aArray.As<Napi::Int32Array>().Data(), bArray.As<Napi::Int32Array>().Data(), out);
    } else {
      throwTypeError(info.Env(), "arguments a and b must be Float32Arrays or Int32Arrays");
    }
    return info.Env().Undefined();
  });
}

// Pointers passed by value with __restrict: reached through a lambda's captures, GCC 12 cannot
// rule out aliasing and leaves the loop scalar (and branchy for relu and step).
template <typename Op>
void unaryRange(const float *__restrict x, float *__restrict out, int64_t begin, int64_t end, Op op) {
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) out[i] = op(x[i]);
}

template <typename Op>
void runUnary(const float *x, float *out, int64_t size, Op op) {
  forEachRange(size, [=](int64_t begin, int64_t end) { unaryRange(x, out, begin, end, op); });
}

// unary(opCode, x, out, alpha, beta); alpha is the LeakyRelu slope, the Step value for x <= 0 or
// the ClipByValue minimum, and beta the ClipByValue maximum.
Napi::Value unary(const Napi::CallbackInfo &info) {
  return guardNative(info, "unary", [&]() -> Napi::Value {
    int opCode = static_cast<int>(numberArgument(info, 0, "opCode"));
    const float *x = floatArgument(info, 1, "x", -1);
    int64_t size = info[1].As<Napi::Float32Array>().ElementLength();
    float *out = floatArgument(info, 2, "out", size);
    const float alpha = static_cast<float>(numberArgument(info, 3, "alpha"));
    const float beta = static_cast<float>(numberArgument(info, 4, "beta"));
    const float nan = std::numeric_limits<float>::quiet_NaN();
    switch (static_cast<UnaryOp>(opCode)) {
      case UnaryOp::kNeg: runUnary(x, out, size, [](float v) { return -v; }); break;
      case UnaryOp::kSquare: runUnary(x, out, size, [](float v) { return v * v; }); break;
      case UnaryOp::kSqrt: runUnary(x, out, size, [](float v) { return std::sqrt(v); }); break;
      case UnaryOp::kRsqrt: runUnary(x, out, size, [](float v) { return 1.f / std::sqrt(v); }); break;
      case UnaryOp::kExp: runUnary(x, out, size, [](float v) { return std::exp(v); }); break;
      case UnaryOp::kLog: runUnary(x, out, size, [](float v) { return std::log(v); }); break;
      case UnaryOp::kAbs: runUnary(x, out, size, [](float v) { return std::fabs(v); }); break;
      case UnaryOp::kReciprocal: runUnary(x, out, size, [](float v) { return 1.f / v; }); break;
      // `v < 0 ? 0 : v` keeps NaN, as the cpu backend does.
      case UnaryOp::kRelu: runUnary(x, out, size, [](float v) { return v < 0.f ? 0.f : v; }); break;
      case UnaryOp::kRelu6:
        runUnary(x, out, size, [](float v) { return v < 0.f ? 0.f : (v > 6.f ? 6.f : v); });
        break;
      case UnaryOp::kLeakyRelu:
        runUnary(x, out, size, [alpha](float v) { return v < 0.f ? alpha * v : v; });
        break;
      case UnaryOp::kElu:
        runUnary(x, out, size, [](float v) { return v >= 0.f ? v : std::expm1(v); });
        break;
      case UnaryOp::kSigmoid:
        runUnary(x, out, size, [](float v) { return 1.f / (1.f + std::exp(-v)); });
        break;
      case UnaryOp::kStep:
        runUnary(x, out, size, [alpha, nan](float v) { return v != v ? nan : (v > 0.f ? 1.f : alpha); });
        break;
      case UnaryOp::kTanh: runUnary(x, out, size, [](float v) { return std::tanh(v); }); break;
      // The cpu backend's ClipByValue tests the maximum first and keeps NaN.
      case UnaryOp::kClipByValue:
        runUnary(x, out, size, [alpha, beta](float v) { return v > beta ? beta : (v < alpha ? alpha : v); });
        break;
      default:
        throwTypeError(info.Env(), "unknown unary op code " + std::to_string(opCode));
    }
    return info.Env().Undefined();
  });
}

// stridedCopy(x, out, dims, stridesX, stridesOut): for every index i of dims,
// out[offsetOut(i)] = x[offsetX(i)]; 4-byte elements of any type. Tile, Transpose and Slice read
// x through strides and write out contiguously; PadV2 writes the interior of out through strides.
Napi::Value stridedCopy(const Napi::CallbackInfo &info) {
  return guardNative(info, "stridedCopy", [&]() -> Napi::Value {
    StridedLayout layout = readLayout(info, 2, 2);
    const uint32_t *x = static_cast<const uint32_t *>(fourByteArgument(info, 0, "x", -1));
    uint32_t *out = static_cast<uint32_t *>(fourByteArgument(info, 1, "out", -1));
    checkReach(info, layout, 0, 0, "x");
    checkReach(info, layout, 1, 1, "out");
    const int last = layout.rank - 1;
    const int64_t strideX = layout.strides[0][last];
    const int64_t strideOut = layout.strides[1][last];
    forEachRange(layout.total, [&](int64_t begin, int64_t end) {
      walkRows<2>(layout, begin, end, [&](int64_t, const int64_t *offsets, int64_t column, int64_t count) {
        const uint32_t *row = x + offsets[0] + column * strideX;
        uint32_t *rowOut = out + offsets[1] + column * strideOut;
        if (strideX == 1 && strideOut == 1) {
          std::copy(row, row + count, rowOut);
        } else if (strideX == 0 && strideOut == 1) {
          std::fill(rowOut, rowOut + count, *row);
        } else {
          for (int64_t i = 0; i < count; ++i) rowOut[i * strideOut] = row[i * strideX];
        }
      });
    });
    return info.Env().Undefined();
  });
}

// batchNorm(x, mean, variance, offset | null, scale | null, out, channels, epsilon):
// out = offset + (x - mean) * scale / sqrt(variance + epsilon), parameters indexed by the last
// (channel) axis of x.
Napi::Value batchNorm(const Napi::CallbackInfo &info) {
  return guardNative(info, "batchNorm", [&]() -> Napi::Value {
    int64_t channels = static_cast<int64_t>(numberArgument(info, 6, "channels"));
    const double epsilon = numberArgument(info, 7, "epsilon");
    const float *x = floatArgument(info, 0, "x", -1);
    int64_t size = info[0].As<Napi::Float32Array>().ElementLength();
    if (channels <= 0 || size % channels != 0) {
      throwTypeError(info.Env(), "x has " + std::to_string(size) +
                                     " elements, not a multiple of channels " + std::to_string(channels));
    }
    const float *mean = floatArgument(info, 1, "mean", channels);
    const float *variance = floatArgument(info, 2, "variance", channels);
    const float *offset = optionalFloatArgument(info, 3, "offset", channels);
    const float *scale = optionalFloatArgument(info, 4, "scale", channels);
    float *out = floatArgument(info, 5, "out", size);

    // Folding the parameters into one multiply-add per element; computed in double so the
    // folded factors round once.
    std::vector<float> factor(channels), shift(channels);
    for (int64_t c = 0; c < channels; ++c) {
      double s = (scale ? scale[c] : 1.0) / std::sqrt(static_cast<double>(variance[c]) + epsilon);
      factor[c] = static_cast<float>(s);
      shift[c] = static_cast<float>((offset ? offset[c] : 0.0) - mean[c] * s);
    }
    const float *factorData = factor.data();
    const float *shiftData = shift.data();
    const int64_t rows = size / channels;
    forEachRowRange(rows, channels, [&](int64_t firstRow, int64_t endRow) {
      for (int64_t r = firstRow; r < endRow; ++r) {
        const float *row = x + r * channels;
        float *rowOut = out + r * channels;
#pragma omp simd
        for (int64_t c = 0; c < channels; ++c) rowOut[c] = row[c] * factorData[c] + shiftData[c];
      }
    });
    return info.Env().Undefined();
  });
}

}  // namespace

void registerElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, binary, "binary"));
  exports.Set("unary", Napi::Function::New(env, unary, "unary"));
  exports.Set("compare", Napi::Function::New(env, compare, "compare"));
  exports.Set("stridedCopy", Napi::Function::New(env, stridedCopy, "stridedCopy"));
  exports.Set("batchNorm", Napi::Function::New(env, batchNorm, "batchNorm"));
}

}  // namespace csi_native
