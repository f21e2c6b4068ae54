// Entry point of the csi_native addon: version and threading facts, cache control, and the
// kernel functions that each source file registers.
#include <omp.h>

#include "common.h"

namespace csi_native {
namespace {

Napi::Value describeRuntime(const Napi::CallbackInfo &info) {
  return guardNative(info, "describeRuntime", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const dnnl_version_t *version = dnnl_version();
    Napi::Object result = Napi::Object::New(env);
    result.Set("oneDnnVersion", Napi::String::New(env, std::to_string(version->major) + "." +
                                                           std::to_string(version->minor) + "." +
                                                           std::to_string(version->patch)));
    result.Set("oneDnnCpuRuntime", Napi::Number::New(env, version->cpu_runtime));
    result.Set("maxThreads", Napi::Number::New(env, omp_get_max_threads()));
    result.Set("cachedConvolutions", Napi::Number::New(env, static_cast<double>(convolutionCacheSize())));
    result.Set("cachedMatMuls", Napi::Number::New(env, static_cast<double>(matMulCacheSize())));
    return result;
  });
}

Napi::Value clearCaches(const Napi::CallbackInfo &info) {
  return guardNative(info, "clearCaches", [&]() -> Napi::Value {
    clearConvolutionCache();
    clearMatMulCache();
    return info.Env().Undefined();
  });
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("describeRuntime", Napi::Function::New(env, describeRuntime, "describeRuntime"));
  exports.Set("clearCaches", Napi::Function::New(env, clearCaches, "clearCaches"));
  registerConvolution(env, exports);
  registerMatMul(env, exports);
  registerElementwise(env, exports);
  registerReduction(env, exports);
  registerBatchNormTraining(env, exports);
  return exports;
}

}  // namespace
}  // namespace csi_native

// NODE_API_MODULE pastes its second argument into an identifier, so it needs an unqualified name.
static Napi::Object initAddon(Napi::Env env, Napi::Object exports) {
  return csi_native::init(env, exports);
}

NODE_API_MODULE(csi_native, initAddon)
