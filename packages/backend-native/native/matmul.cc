// Batched matrix product on oneDNN's matmul primitive, with the optional bias and activation of
// TensorFlow.js's _FusedMatMul applied as primitive attributes.
#include <sstream>

#include "common.h"

namespace csi_native {
namespace {

using dnnl::memory;
using DataType = memory::data_type;

// Order of the `geometry` argument; src/kernels/mat-mul-geometry.ts (planMatMul) writes the same order.
struct MatMulGeometry {
  int64_t batchA, batchB, rows, inner, columns, transposeA, transposeB;
};
constexpr int64_t kGeometryLength = 7;

struct MatMulEntry {
  dnnl::matmul primitive;
  memory::desc a, b, bias, output;
};

PrimitiveCache<MatMulEntry> matMulCache(256);

// A row-major [batch, rows, columns] matrix. `transposed` means the buffer contains
// [batch, columns, rows], which the primitive reads transposed through strides.
memory::desc matrixDesc(int64_t batch, int64_t rows, int64_t columns, bool transposed) {
  memory::dims strides = transposed ? memory::dims{rows * columns, 1, rows}
                                    : memory::dims{rows * columns, columns, 1};
  return memory::desc({batch, rows, columns}, DataType::f32, strides);
}

// matMul(a, b, bias | null, out, geometry, activationCode, leakyReluAlpha) -> boolean
// a: [batchA, rows, inner] (or its transpose), b: [batchB, inner, columns] (or its transpose),
// out: [max(batchA, batchB), rows, columns]; a batch of 1 is broadcast.
Napi::Value matMul(const Napi::CallbackInfo &info) {
  return guardNative(info, "matMul", [&]() -> Napi::Value {
    std::vector<int64_t> v = integerListArgument(info, 4, "geometry", kGeometryLength);
    MatMulGeometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6]};
    Napi::Env env = info.Env();
    bool positive = g.batchA > 0 && g.batchB > 0 && g.rows > 0 && g.inner > 0 && g.columns > 0;
    bool batchesMatch = g.batchA == g.batchB || g.batchA == 1 || g.batchB == 1;
    if (!positive || !batchesMatch) {
      std::ostringstream message;
      message << "invalid matMul geometry: batchA " << g.batchA << ", batchB " << g.batchB
              << ", rows " << g.rows << ", inner " << g.inner << ", columns " << g.columns
              << "; sizes must be positive and the batches equal or 1";
      throwTypeError(env, message.str());
    }
    int64_t batch = std::max(g.batchA, g.batchB);
    float *a = floatArgument(info, 0, "a", g.batchA * g.rows * g.inner);
    float *b = floatArgument(info, 1, "b", g.batchB * g.inner * g.columns);
    float *bias = optionalFloatArgument(info, 2, "bias", g.columns);
    float *out = floatArgument(info, 3, "out", batch * g.rows * g.columns);
    int activation = static_cast<int>(numberArgument(info, 5, "activationCode"));
    float alpha = static_cast<float>(numberArgument(info, 6, "leakyReluAlpha"));

    v.push_back(bias != nullptr);
    v.push_back(activation);
    std::string key = makeKey("matmul", v) + std::to_string(alpha);
    std::shared_ptr<MatMulEntry> entry = matMulCache.find(key);
    if (!entry) {
      entry = std::make_shared<MatMulEntry>();
      entry->a = matrixDesc(g.batchA, g.rows, g.inner, g.transposeA != 0);
      entry->b = matrixDesc(g.batchB, g.inner, g.columns, g.transposeB != 0);
      entry->output = matrixDesc(batch, g.rows, g.columns, false);
      entry->bias = matrixDesc(1, 1, g.columns, false);
      dnnl::post_ops postOps;
      if (!appendActivation(postOps, activation, alpha)) {
        throwTypeError(env, "unknown activation code " + std::to_string(activation));
      }
      dnnl::primitive_attr attributes;
      attributes.set_post_ops(postOps);
      try {
        auto descriptor = bias != nullptr
                              ? dnnl::matmul::desc(entry->a, entry->b, entry->bias, entry->output)
                              : dnnl::matmul::desc(entry->a, entry->b, entry->output);
        dnnl::matmul::primitive_desc primitiveDesc(descriptor, attributes, cpuEngine());
        entry->primitive = dnnl::matmul(primitiveDesc);
      } catch (const dnnl::error &error) {
        if (isUnimplemented(error)) return Napi::Boolean::New(env, false);
        throw;
      }
      matMulCache.insert(key, entry);
    }

    std::unordered_map<int, memory> arguments{
        {DNNL_ARG_SRC, memory(entry->a, cpuEngine(), a)},
        {DNNL_ARG_WEIGHTS, memory(entry->b, cpuEngine(), b)},
        {DNNL_ARG_DST, memory(entry->output, cpuEngine(), out)},
    };
    if (bias != nullptr) arguments.emplace(DNNL_ARG_BIAS, memory(entry->bias, cpuEngine(), bias));
    dnnl::stream &stream = cpuStream();
    entry->primitive.execute(stream, arguments);
    stream.wait();
    return Napi::Boolean::New(env, true);
  });
}

}  // namespace

void clearMatMulCache() { matMulCache.clear(); }
size_t matMulCacheSize() { return matMulCache.size(); }

void registerMatMul(Napi::Env env, Napi::Object exports) {
  exports.Set("matMul", Napi::Function::New(env, matMul, "matMul"));
}

}  // namespace csi_native
