// Shared pieces of the addon: the oneDNN engine and stream, argument readers that check every
// buffer length before native code touches it, and a small LRU cache for primitives.
#pragma once

#include <napi.h>

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dnnl.hpp"

namespace csi_native {

dnnl::engine &cpuEngine();
dnnl::stream &cpuStream();

// Below this many elements one thread is faster, because waking the second OpenMP thread costs
// 10 us or more. On the 2-core EPYC VM under load 4, relu on 2^18 floats took 23 us on one thread
// and 32 us on two. At 2^20 floats two threads were ahead, 102 us against 115 us.
constexpr int64_t kParallelThreshold = 1 << 19;

// Pointer and length of a Float32Array argument. Throws a JS TypeError naming the argument when
// it is not a Float32Array or when its length differs from `expectedLength` (skipped when -1).
float *floatArgument(const Napi::CallbackInfo &info, size_t index, const char *name,
                     int64_t expectedLength);

// Same, but null or undefined yields nullptr.
float *optionalFloatArgument(const Napi::CallbackInfo &info, size_t index, const char *name,
                             int64_t expectedLength);

// Data pointer of a Float32Array or Int32Array argument (both have 4-byte elements, which is
// all that copies need).
void *fourByteArgument(const Napi::CallbackInfo &info, size_t index, const char *name,
                       int64_t expectedLength);

// A JS array of integers (numbers) of exactly `expectedCount` entries, or any count when -1.
std::vector<int64_t> integerListArgument(const Napi::CallbackInfo &info, size_t index,
                                         const char *name, int64_t expectedCount);

double numberArgument(const Napi::CallbackInfo &info, size_t index, const char *name);

int64_t productOf(const std::vector<int64_t> &values, size_t begin = 0,
                  size_t end = static_cast<size_t>(-1));

[[noreturn]] void throwTypeError(const Napi::Env &env, const std::string &message);

// Runs `body` under a process-wide lock and turns C++ exceptions (oneDNN errors included) into JS
// errors, so that no exception crosses the N-API boundary and terminates the process.
Napi::Value guardNative(const Napi::CallbackInfo &info, const char *functionName,
                        const std::function<Napi::Value()> &body);

// True when a oneDNN error means "no implementation for these shapes or attributes"; callers
// then return false to JS, which runs the cpu backend's kernel instead.
bool isUnimplemented(const dnnl::error &error);

// Activation codes shared with src/addon.ts (ACTIVATION_CODES).
enum class Activation : int { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kElu = 4, kSigmoid = 5 };

// Adds `activation` as an eltwise post-op. Returns false for an unknown code.
bool appendActivation(dnnl::post_ops &postOps, int activationCode, float leakyReluAlpha);

// Least-recently-used map from a key string to a cached object. Creating a oneDNN primitive
// descriptor walks the implementation list and JIT-compiles kernels, which costs far more than
// running a small primitive, and a training step repeats the same shapes every time.
template <typename Value>
class PrimitiveCache {
 public:
  explicit PrimitiveCache(size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<Value> find(const std::string &key) {
    auto found = index_.find(key);
    if (found == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, found->second);
    return found->second->second;
  }

  void insert(const std::string &key, std::shared_ptr<Value> value) {
    auto found = index_.find(key);
    if (found != index_.end()) {
      order_.erase(found->second);
      index_.erase(found);
    }
    order_.emplace_front(key, std::move(value));
    index_[key] = order_.begin();
    while (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  size_t size() const { return order_.size(); }
  void clear() {
    order_.clear();
    index_.clear();
  }

 private:
  using Entry = std::pair<std::string, std::shared_ptr<Value>>;
  size_t capacity_;
  std::list<Entry> order_;
  std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
};

// Builds a cache key such as "conv_fwd:256,28,28,16,...".
std::string makeKey(const char *prefix, const std::vector<int64_t> &values);

// Registration hooks, one per source file.
void registerConvolution(Napi::Env env, Napi::Object exports);
void registerMatMul(Napi::Env env, Napi::Object exports);
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerReduction(Napi::Env env, Napi::Object exports);
void registerBatchNormTraining(Napi::Env env, Napi::Object exports);

// Drops every cached primitive (conv and matmul); used by tests and by clearCaches().
void clearConvolutionCache();
void clearMatMulCache();
size_t convolutionCacheSize();
size_t matMulCacheSize();

}  // namespace csi_native
