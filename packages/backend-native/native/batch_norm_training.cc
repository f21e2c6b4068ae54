// Batch norm in training mode as three fused kernels, for src/batch-norm-training.ts: statistics
// (one read of x), forward (one read, one write) and backward (two reads of x and dy, one write).
// Composed from tf.moments, tf.batchNorm and their gradients in TensorFlow.js 4.22, the same
// layer runs about 30 kernels over the whole activation per training step.
//
// All three view x as [rows, channels] with channels the last (NHWC) axis.
#include <cmath>
#include <sstream>

#include "strided.h"

namespace csi_native {
namespace {

struct ChannelLayout {
  int64_t rows;
  int64_t channels;
};

ChannelLayout readChannelLayout(const Napi::CallbackInfo &info, size_t xIndex, size_t channelsIndex) {
  auto channels = static_cast<int64_t>(numberArgument(info, channelsIndex, "channels"));
  if (!info[xIndex].IsTypedArray()) throwTypeError(info.Env(), "argument x must be a Float32Array");
  int64_t size = info[xIndex].As<Napi::TypedArray>().ElementLength();
  if (channels <= 0 || size == 0 || size % channels != 0) {
    std::ostringstream message;
    message << "x has " << size << " elements, not a positive multiple of channels " << channels;
    throwTypeError(info.Env(), message.str());
  }
  return {size / channels, channels};
}

// Splits rows [firstRow, endRow) into blocks of kRowsPerBlock. Sums run in float within a block
// (where float loops vectorise) and in double across blocks (so 10^5-10^6 rows do not drift).
constexpr int64_t kRowsPerBlock = 64;

template <typename Block>
void forEachRowBlock(int64_t firstRow, int64_t endRow, const Block &block) {
  for (int64_t start = firstRow; start < endRow; start += kRowsPerBlock) {
    block(start, std::min(endRow, start + kRowsPerBlock));
  }
}

// Per-channel sums of `rows` rows, accumulated per thread in double and merged in thread order.
template <typename RowAccumulate>
void accumulatePerChannel(int64_t rows, int64_t channels, int sums, double *totals,
                          const RowAccumulate &accumulateRows) {
  const int maxThreads = omp_get_max_threads();
  std::vector<double> partials(static_cast<size_t>(maxThreads) * sums * channels, 0.0);
  int usedThreads = 1;
  const bool parallel = rows * channels >= kParallelThreshold && maxThreads > 1;
#pragma omp parallel if (parallel)
  {
    const int threads = omp_get_num_threads();
    const int thread = omp_get_thread_num();
    if (thread == 0) usedThreads = threads;
    const int64_t firstRow = rows * thread / threads;
    const int64_t endRow = rows * (thread + 1) / threads;
    accumulateRows(firstRow, endRow, partials.data() + static_cast<size_t>(thread) * sums * channels);
  }
  std::fill(totals, totals + sums * channels, 0.0);
  for (int t = 0; t < usedThreads; ++t) {
    const double *mine = partials.data() + static_cast<size_t>(t) * sums * channels;
    for (int64_t i = 0; i < sums * channels; ++i) totals[i] += mine[i];
  }
}

// batchNormStatistics(x, mean, variance, channels): mean and biased variance per channel.
Napi::Value batchNormStatistics(const Napi::CallbackInfo &info) {
  return guardNative(info, "batchNormStatistics", [&]() -> Napi::Value {
    ChannelLayout layout = readChannelLayout(info, 0, 3);
    const int64_t channels = layout.channels;
    const float *x = floatArgument(info, 0, "x", layout.rows * channels);
    float *mean = floatArgument(info, 1, "mean", channels);
    float *variance = floatArgument(info, 2, "variance", channels);

    // Shifting by the first row before summing squares keeps E[(x-s)^2] - E[x-s]^2 from
    // cancelling when the mean is large against the spread.
    std::vector<float> shift(x, x + channels);
    const float *shiftData = shift.data();
    std::vector<double> totals(2 * channels);
    accumulatePerChannel(layout.rows, channels, 2, totals.data(), [&](int64_t firstRow, int64_t endRow, double *sums) {
      std::vector<float> blockSums(2 * channels);
      float *blockSum = blockSums.data();
      float *blockSquares = blockSum + channels;
      forEachRowBlock(firstRow, endRow, [&](int64_t blockFirst, int64_t blockEnd) {
        std::fill(blockSums.begin(), blockSums.end(), 0.f);
        for (int64_t r = blockFirst; r < blockEnd; ++r) {
          const float *row = x + r * channels;
#pragma omp simd
          for (int64_t c = 0; c < channels; ++c) {
            float centred = row[c] - shiftData[c];
            blockSum[c] += centred;
            blockSquares[c] += centred * centred;
          }
        }
        for (int64_t i = 0; i < 2 * channels; ++i) sums[i] += blockSums[i];
      });
    });
    const double count = static_cast<double>(layout.rows);
    for (int64_t c = 0; c < channels; ++c) {
      double centredMean = totals[c] / count;
      mean[c] = static_cast<float>(shiftData[c] + centredMean);
      variance[c] = static_cast<float>(std::max(0.0, totals[channels + c] / count - centredMean * centredMean));
    }
    return info.Env().Undefined();
  });
}

// Per-channel factor gamma / sqrt(variance + epsilon), in double.
std::vector<double> scaleFactors(const float *variance, const float *gamma, int64_t channels, double epsilon) {
  std::vector<double> factors(channels);
  for (int64_t c = 0; c < channels; ++c) {
    factors[c] = (gamma ? gamma[c] : 1.0) / std::sqrt(static_cast<double>(variance[c]) + epsilon);
  }
  return factors;
}

// batchNormForward(x, mean, variance, gamma | null, beta | null, residual | null, y, channels,
// epsilon, relu): y = gamma * (x - mean) / sqrt(variance + epsilon) + beta (+ residual), then
// max(0, y) when relu is true.
Napi::Value batchNormForward(const Napi::CallbackInfo &info) {
  return guardNative(info, "batchNormForward", [&]() -> Napi::Value {
    ChannelLayout layout = readChannelLayout(info, 0, 7);
    const int64_t channels = layout.channels;
    const int64_t size = layout.rows * channels;
    const float *x = floatArgument(info, 0, "x", size);
    const float *mean = floatArgument(info, 1, "mean", channels);
    const float *variance = floatArgument(info, 2, "variance", channels);
    const float *gamma = optionalFloatArgument(info, 3, "gamma", channels);
    const float *beta = optionalFloatArgument(info, 4, "beta", channels);
    const float *residual = optionalFloatArgument(info, 5, "residual", size);
    float *y = floatArgument(info, 6, "y", size);
    const double epsilon = numberArgument(info, 8, "epsilon");
    const bool relu = info.Length() > 9 && info[9].ToBoolean().Value();

    std::vector<double> factors = scaleFactors(variance, gamma, channels, epsilon);
    std::vector<float> factor(channels), shift(channels);
    for (int64_t c = 0; c < channels; ++c) {
      factor[c] = static_cast<float>(factors[c]);
      shift[c] = static_cast<float>((beta ? beta[c] : 0.0) - mean[c] * factors[c]);
    }
    const float *factorData = factor.data();
    const float *shiftData = shift.data();
    forEachRowRange(layout.rows, channels, [&](int64_t firstRow, int64_t endRow) {
      for (int64_t r = firstRow; r < endRow; ++r) {
        const float *row = x + r * channels;
        const float *rowResidual = residual ? residual + r * channels : nullptr;
        float *rowOut = y + r * channels;
        if (rowResidual) {
#pragma omp simd
          for (int64_t c = 0; c < channels; ++c) rowOut[c] = row[c] * factorData[c] + shiftData[c] + rowResidual[c];
        } else {
#pragma omp simd
          for (int64_t c = 0; c < channels; ++c) rowOut[c] = row[c] * factorData[c] + shiftData[c];
        }
        if (relu) {
#pragma omp simd
          for (int64_t c = 0; c < channels; ++c) rowOut[c] = rowOut[c] < 0.f ? 0.f : rowOut[c];
        }
      }
    });
    return info.Env().Undefined();
  });
}

// batchNormBackward(dy, x, mean, variance, gamma | null, y | null, dx, dgamma, dbeta, dResidual |
// null, channels, epsilon): gradients of batchNormForward with batch statistics (so dx includes
// the paths through mean and variance). y, the forward output, is given when relu was applied:
// the upstream gradient is then g = dy where y > 0 and 0 elsewhere; dResidual receives g.
//   dbeta = sum(g), dgamma = sum(g * xhat), xhat = (x - mean) * invstd,
//   dx = gamma * invstd * (g - dbeta / n - xhat * dgamma / n).
Napi::Value batchNormBackward(const Napi::CallbackInfo &info) {
  return guardNative(info, "batchNormBackward", [&]() -> Napi::Value {
    ChannelLayout layout = readChannelLayout(info, 1, 10);
    const int64_t channels = layout.channels;
    const int64_t size = layout.rows * channels;
    const float *dy = floatArgument(info, 0, "dy", size);
    const float *x = floatArgument(info, 1, "x", size);
    const float *mean = floatArgument(info, 2, "mean", channels);
    const float *variance = floatArgument(info, 3, "variance", channels);
    const float *gamma = optionalFloatArgument(info, 4, "gamma", channels);
    const float *y = optionalFloatArgument(info, 5, "y", size);
    float *dx = floatArgument(info, 6, "dx", size);
    float *dgamma = floatArgument(info, 7, "dgamma", channels);
    float *dbeta = floatArgument(info, 8, "dbeta", channels);
    float *dResidual = optionalFloatArgument(info, 9, "dResidual", size);
    const double epsilon = numberArgument(info, 11, "epsilon");

    std::vector<double> invStd(channels);
    for (int64_t c = 0; c < channels; ++c) invStd[c] = 1.0 / std::sqrt(static_cast<double>(variance[c]) + epsilon);
    std::vector<float> meanValues(mean, mean + channels);
    const float *meanData = meanValues.data();

    // Pass 1: sum(g) and sum(g * (x - mean)) per channel; also writes g to dResidual.
    std::vector<double> totals(2 * channels);
    accumulatePerChannel(layout.rows, channels, 2, totals.data(), [&](int64_t firstRow, int64_t endRow, double *sums) {
      std::vector<float> blockSums(2 * channels);
      float *blockG = blockSums.data();
      float *blockGX = blockG + channels;
      forEachRowBlock(firstRow, endRow, [&](int64_t blockFirst, int64_t blockEnd) {
        std::fill(blockSums.begin(), blockSums.end(), 0.f);
        for (int64_t r = blockFirst; r < blockEnd; ++r) {
          const float *rowDy = dy + r * channels;
          const float *rowX = x + r * channels;
          if (y != nullptr) {
            const float *rowY = y + r * channels;
            float *rowResidual = dResidual ? dResidual + r * channels : nullptr;
#pragma omp simd
            for (int64_t c = 0; c < channels; ++c) {
              float g = rowY[c] > 0.f ? rowDy[c] : 0.f;
              blockG[c] += g;
              blockGX[c] += g * (rowX[c] - meanData[c]);
            }
            if (rowResidual) {
#pragma omp simd
              for (int64_t c = 0; c < channels; ++c) rowResidual[c] = rowY[c] > 0.f ? rowDy[c] : 0.f;
            }
          } else {
#pragma omp simd
            for (int64_t c = 0; c < channels; ++c) {
              blockG[c] += rowDy[c];
              blockGX[c] += rowDy[c] * (rowX[c] - meanData[c]);
            }
            if (dResidual) std::copy(rowDy, rowDy + channels, dResidual + r * channels);
          }
        }
        for (int64_t i = 0; i < 2 * channels; ++i) sums[i] += blockSums[i];
      });
    });

    const double count = static_cast<double>(layout.rows);
    std::vector<float> gradientScale(channels), meanG(channels), xhatScale(channels);
    for (int64_t c = 0; c < channels; ++c) {
      const double sumG = totals[c];
      const double sumGX = totals[channels + c];
      dbeta[c] = static_cast<float>(sumG);
      dgamma[c] = static_cast<float>(sumGX * invStd[c]);
      gradientScale[c] = static_cast<float>((gamma ? gamma[c] : 1.0) * invStd[c]);
      meanG[c] = static_cast<float>(sumG / count);
      // xhat * dgamma / n = (x - mean) * invstd^2 * sumGX / n
      xhatScale[c] = static_cast<float>(invStd[c] * invStd[c] * sumGX / count);
    }
    const float *scaleData = gradientScale.data();
    const float *meanGData = meanG.data();
    const float *xhatScaleData = xhatScale.data();

    // Pass 2: dx.
    forEachRowRange(layout.rows, channels, [&](int64_t firstRow, int64_t endRow) {
      for (int64_t r = firstRow; r < endRow; ++r) {
        const float *rowDy = dy + r * channels;
        const float *rowX = x + r * channels;
        float *rowDx = dx + r * channels;
        if (y != nullptr) {
          const float *rowY = y + r * channels;
#pragma omp simd
          for (int64_t c = 0; c < channels; ++c) {
            float g = rowY[c] > 0.f ? rowDy[c] : 0.f;
            rowDx[c] = scaleData[c] * (g - meanGData[c] - (rowX[c] - meanData[c]) * xhatScaleData[c]);
          }
        } else {
#pragma omp simd
          for (int64_t c = 0; c < channels; ++c) {
            rowDx[c] = scaleData[c] * (rowDy[c] - meanGData[c] - (rowX[c] - meanData[c]) * xhatScaleData[c]);
          }
        }
      }
    });
    return info.Env().Undefined();
  });
}

}  // namespace

void registerBatchNormTraining(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormStatistics", Napi::Function::New(env, batchNormStatistics, "batchNormStatistics"));
  exports.Set("batchNormForward", Napi::Function::New(env, batchNormForward, "batchNormForward"));
  exports.Set("batchNormBackward", Napi::Function::New(env, batchNormBackward, "batchNormBackward"));
}

}  // namespace csi_native
