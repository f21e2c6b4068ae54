#include "common.h"

#include <cmath>
#include <exception>
#include <mutex>
#include <sstream>

namespace csi_native {

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream &cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

void throwTypeError(const Napi::Env &env, const std::string &message) {
  throw Napi::TypeError::New(env, message);
}

namespace {

Napi::TypedArray typedArrayArgument(const Napi::CallbackInfo &info, size_t index, const char *name) {
  if (info.Length() <= index || !info[index].IsTypedArray()) {
    throwTypeError(info.Env(), std::string("argument ") + name + " must be a typed array");
  }
  return info[index].As<Napi::TypedArray>();
}

void checkLength(const Napi::CallbackInfo &info, const char *name, size_t length, int64_t expected) {
  if (expected >= 0 && static_cast<int64_t>(length) != expected) {
    std::ostringstream message;
    message << "argument " << name << " has " << length << " elements; expected " << expected;
    throwTypeError(info.Env(), message.str());
  }
}

}  // namespace

float *floatArgument(const Napi::CallbackInfo &info, size_t index, const char *name,
                     int64_t expectedLength) {
  Napi::TypedArray array = typedArrayArgument(info, index, name);
  if (array.TypedArrayType() != napi_float32_array) {
    throwTypeError(info.Env(), std::string("argument ") + name + " must be a Float32Array");
  }
  Napi::Float32Array floats = array.As<Napi::Float32Array>();
  checkLength(info, name, floats.ElementLength(), expectedLength);
  return floats.Data();
}

float *optionalFloatArgument(const Napi::CallbackInfo &info, size_t index, const char *name,
                             int64_t expectedLength) {
  if (info.Length() <= index || info[index].IsNull() || info[index].IsUndefined()) return nullptr;
  return floatArgument(info, index, name, expectedLength);
}

void *fourByteArgument(const Napi::CallbackInfo &info, size_t index, const char *name,
                       int64_t expectedLength) {
  Napi::TypedArray array = typedArrayArgument(info, index, name);
  napi_typedarray_type type = array.TypedArrayType();
  if (type != napi_float32_array && type != napi_int32_array && type != napi_uint32_array) {
    throwTypeError(info.Env(), std::string("argument ") + name +
                                   " must be a Float32Array, Int32Array or Uint32Array");
  }
  checkLength(info, name, array.ElementLength(), expectedLength);
  return static_cast<uint8_t *>(array.ArrayBuffer().Data()) + array.ByteOffset();
}

std::vector<int64_t> integerListArgument(const Napi::CallbackInfo &info, size_t index,
                                         const char *name, int64_t expectedCount) {
  if (info.Length() <= index || !info[index].IsArray()) {
    throwTypeError(info.Env(), std::string("argument ") + name + " must be an array of integers");
  }
  Napi::Array array = info[index].As<Napi::Array>();
  checkLength(info, name, array.Length(), expectedCount);
  std::vector<int64_t> values(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value entry = array.Get(i);
    if (!entry.IsNumber()) {
      throwTypeError(info.Env(), std::string("argument ") + name + " must contain only numbers");
    }
    double number = entry.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(number) || std::floor(number) != number) {
      throwTypeError(info.Env(), std::string("argument ") + name + " must contain only integers");
    }
    values[i] = static_cast<int64_t>(number);
  }
  return values;
}

double numberArgument(const Napi::CallbackInfo &info, size_t index, const char *name) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    throwTypeError(info.Env(), std::string("argument ") + name + " must be a number");
  }
  return info[index].As<Napi::Number>().DoubleValue();
}

int64_t productOf(const std::vector<int64_t> &values, size_t begin, size_t end) {
  if (end > values.size()) end = values.size();
  int64_t product = 1;
  for (size_t i = begin; i < end; ++i) product *= values[i];
  return product;
}

Napi::Value guardNative(const Napi::CallbackInfo &info, const char *functionName,
                        const std::function<Napi::Value()> &body) {
  // The primitive caches and staging buffers are process-wide, and worker threads that each load
  // TensorFlow.js share this one addon instance; calls from them take turns.
  static std::mutex callMutex;
  std::lock_guard<std::mutex> lock(callMutex);
  try {
    return body();
  } catch (const Napi::Error &) {
    throw;
  } catch (const dnnl::error &error) {
    std::ostringstream message;
    message << functionName << ": oneDNN failed with status " << static_cast<int>(error.status)
            << ": " << error.what();
    throw Napi::Error::New(info.Env(), message.str());
  } catch (const std::exception &error) {
    throw Napi::Error::New(info.Env(), std::string(functionName) + ": " + error.what());
  }
}

bool isUnimplemented(const dnnl::error &error) { return error.status == dnnl_unimplemented; }

bool appendActivation(dnnl::post_ops &postOps, int activationCode, float leakyReluAlpha) {
  switch (static_cast<Activation>(activationCode)) {
    case Activation::kLinear:
      return true;
    case Activation::kRelu:
      postOps.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      return true;
    case Activation::kRelu6:
      postOps.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f);
      return true;
    case Activation::kLeakyRelu:
      postOps.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, leakyReluAlpha, 0.f);
      return true;
    case Activation::kElu:
      postOps.append_eltwise(1.f, dnnl::algorithm::eltwise_elu, 1.f, 0.f);
      return true;
    case Activation::kSigmoid:
      postOps.append_eltwise(1.f, dnnl::algorithm::eltwise_logistic, 0.f, 0.f);
      return true;
  }
  return false;
}

std::string makeKey(const char *prefix, const std::vector<int64_t> &values) {
  std::string key(prefix);
  key.push_back(':');
  for (int64_t value : values) {
    key += std::to_string(value);
    key.push_back(',');
  }
  return key;
}

}  // namespace csi_native
