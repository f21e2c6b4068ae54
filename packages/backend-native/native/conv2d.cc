// 2-D convolution and its two gradients on oneDNN, in TensorFlow.js layouts: activations NHWC,
// filters HWIO. Activations stay NHWC: with oneDNN 2.6.3 on a 2-core AVX-512 EPYC at batch 256,
// convolutions on NHWC ran 1.1-3.2x faster than on the blocked layout oneDNN picks, reorders
// included (16-128 channels, 28x28 down to 4x4). Filters are small, so they are reordered on every
// call into whatever layout the primitive picks.
#include <sstream>

#include "common.h"

namespace csi_native {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using DataType = memory::data_type;

// Order of the `geometry` argument; src/kernels/conv-geometry.ts (convGeometry) writes the same order.
struct ConvGeometry {
  int64_t batch, inHeight, inWidth, inChannels;
  int64_t filterHeight, filterWidth, outChannels;
  int64_t outHeight, outWidth;
  int64_t strideHeight, strideWidth;
  int64_t padTop, padLeft, padBottom, padRight;
  int64_t dilationHeight, dilationWidth;
};
constexpr int64_t kGeometryLength = 17;

ConvGeometry readGeometry(const Napi::CallbackInfo &info, size_t index) {
  std::vector<int64_t> v = integerListArgument(info, index, "geometry", kGeometryLength);
  ConvGeometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8],
                 v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
  bool positive = g.batch > 0 && g.inHeight > 0 && g.inWidth > 0 && g.inChannels > 0 &&
                  g.filterHeight > 0 && g.filterWidth > 0 && g.outChannels > 0 && g.outHeight > 0 &&
                  g.outWidth > 0 && g.strideHeight > 0 && g.strideWidth > 0 &&
                  g.dilationHeight > 0 && g.dilationWidth > 0;
  bool paddingValid = g.padTop >= 0 && g.padLeft >= 0 && g.padBottom >= 0 && g.padRight >= 0;
  if (!positive || !paddingValid) {
    std::ostringstream message;
    message << "invalid convolution geometry [";
    for (size_t i = 0; i < v.size(); ++i) message << (i ? "," : "") << v[i];
    message << "]: sizes, strides and dilations must be positive and paddings non-negative";
    throwTypeError(info.Env(), message.str());
  }
  return g;
}

std::vector<int64_t> geometryValues(const ConvGeometry &g) {
  return {g.batch,       g.inHeight,     g.inWidth,      g.inChannels,   g.filterHeight, g.filterWidth,
          g.outChannels, g.outHeight,    g.outWidth,     g.strideHeight, g.strideWidth,  g.padTop,
          g.padLeft,     g.padBottom,    g.padRight,     g.dilationHeight, g.dilationWidth};
}

int64_t inputSize(const ConvGeometry &g) { return g.batch * g.inHeight * g.inWidth * g.inChannels; }
int64_t outputSize(const ConvGeometry &g) { return g.batch * g.outHeight * g.outWidth * g.outChannels; }
int64_t filterSize(const ConvGeometry &g) {
  return g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
}

// oneDNN names logical dimensions NCHW and OIHW whatever the memory layout; the tag gives the
// layout. Dilation 1 (dense) is 0 in oneDNN.
struct ConvDescriptors {
  memory::desc source, filterAny, filterUser, bias, destination;
  memory::dims strides, dilations, paddingBefore, paddingAfter;
};

ConvDescriptors makeDescriptors(const ConvGeometry &g) {
  memory::dims sourceDims{g.batch, g.inChannels, g.inHeight, g.inWidth};
  memory::dims filterDims{g.outChannels, g.inChannels, g.filterHeight, g.filterWidth};
  memory::dims destinationDims{g.batch, g.outChannels, g.outHeight, g.outWidth};
  return ConvDescriptors{
      memory::desc(sourceDims, DataType::f32, Tag::nhwc),
      memory::desc(filterDims, DataType::f32, Tag::any),
      memory::desc(filterDims, DataType::f32, Tag::hwio),
      memory::desc({g.outChannels}, DataType::f32, Tag::x),
      memory::desc(destinationDims, DataType::f32, Tag::nhwc),
      {g.strideHeight, g.strideWidth},
      {g.dilationHeight - 1, g.dilationWidth - 1},
      {g.padTop, g.padLeft},
      {g.padBottom, g.padRight},
  };
}

dnnl::convolution_forward::primitive_desc makeForwardHint(const ConvDescriptors &d,
                                                          const dnnl::primitive_attr &attributes,
                                                          bool withBias) {
  if (withBias) {
    dnnl::convolution_forward::desc descriptor(
        dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, d.source, d.filterAny,
        d.bias, d.destination, d.strides, d.dilations, d.paddingBefore, d.paddingAfter);
    return dnnl::convolution_forward::primitive_desc(descriptor, attributes, cpuEngine());
  }
  dnnl::convolution_forward::desc descriptor(
      dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, d.source, d.filterAny,
      d.destination, d.strides, d.dilations, d.paddingBefore, d.paddingAfter);
  return dnnl::convolution_forward::primitive_desc(descriptor, attributes, cpuEngine());
}

// A filter in the layout a primitive wants, refreshed from the user's HWIO buffer per call.
struct FilterStaging {
  bool needed = false;
  memory::desc userDesc;
  memory buffer;
  dnnl::reorder toPrimitive;
  dnnl::reorder toUser;

  void prepare(const memory::desc &user, const memory::desc &primitiveDesc, bool towardPrimitive) {
    userDesc = user;
    needed = primitiveDesc != user;
    if (!needed) return;
    buffer = memory(primitiveDesc, cpuEngine());
    memory userMemory(user, cpuEngine(), DNNL_MEMORY_NONE);
    if (towardPrimitive) {
      toPrimitive = dnnl::reorder(userMemory, buffer);
    } else {
      toUser = dnnl::reorder(buffer, userMemory);
    }
  }
};

struct ForwardEntry {
  dnnl::convolution_forward primitive;
  FilterStaging filter;
};

struct BackwardDataEntry {
  dnnl::convolution_backward_data primitive;
  FilterStaging filter;
};

struct BackwardFilterEntry {
  dnnl::convolution_backward_weights primitive;
  FilterStaging filter;
};

// Three entries per layer (forward, input gradient, filter gradient); 512 covers deep nets with
// a few batch sizes (training and evaluation) without unbounded growth.
PrimitiveCache<ForwardEntry> forwardCache(512);
PrimitiveCache<BackwardDataEntry> backwardDataCache(512);
PrimitiveCache<BackwardFilterEntry> backwardFilterCache(512);

// conv2dForward(x, filter, bias | null, y, geometry, activationCode, leakyReluAlpha) -> boolean
Napi::Value conv2dForward(const Napi::CallbackInfo &info) {
  return guardNative(info, "conv2dForward", [&]() -> Napi::Value {
    ConvGeometry g = readGeometry(info, 4);
    float *x = floatArgument(info, 0, "x", inputSize(g));
    float *filter = floatArgument(info, 1, "filter", filterSize(g));
    float *bias = optionalFloatArgument(info, 2, "bias", g.outChannels);
    float *y = floatArgument(info, 3, "y", outputSize(g));
    int activation = static_cast<int>(numberArgument(info, 5, "activationCode"));
    float alpha = static_cast<float>(numberArgument(info, 6, "leakyReluAlpha"));
    Napi::Env env = info.Env();

    std::vector<int64_t> keyValues = geometryValues(g);
    keyValues.push_back(bias != nullptr);
    keyValues.push_back(activation);
    std::string key = makeKey("fwd", keyValues) + std::to_string(alpha);
    std::shared_ptr<ForwardEntry> entry = forwardCache.find(key);
    if (!entry) {
      ConvDescriptors d = makeDescriptors(g);
      dnnl::post_ops postOps;
      if (!appendActivation(postOps, activation, alpha)) {
        throwTypeError(env, "unknown activation code " + std::to_string(activation));
      }
      dnnl::primitive_attr attributes;
      attributes.set_post_ops(postOps);
      try {
        auto descriptor = makeForwardHint(d, attributes, bias != nullptr);
        entry = std::make_shared<ForwardEntry>();
        entry->primitive = dnnl::convolution_forward(descriptor);
        entry->filter.prepare(d.filterUser, descriptor.weights_desc(), true);
      } catch (const dnnl::error &error) {
        if (isUnimplemented(error)) return Napi::Boolean::New(env, false);
        throw;
      }
      forwardCache.insert(key, entry);
    }

    dnnl::stream &stream = cpuStream();
    ConvDescriptors d = makeDescriptors(g);
    memory filterMemory(entry->filter.userDesc, cpuEngine(), filter);
    if (entry->filter.needed) {
      entry->filter.toPrimitive.execute(stream, filterMemory, entry->filter.buffer);
      filterMemory = entry->filter.buffer;
    }
    std::unordered_map<int, memory> arguments{
        {DNNL_ARG_SRC, memory(d.source, cpuEngine(), x)},
        {DNNL_ARG_WEIGHTS, filterMemory},
        {DNNL_ARG_DST, memory(d.destination, cpuEngine(), y)},
    };
    if (bias != nullptr) arguments.emplace(DNNL_ARG_BIAS, memory(d.bias, cpuEngine(), bias));
    entry->primitive.execute(stream, arguments);
    stream.wait();
    return Napi::Boolean::New(env, true);
  });
}

// conv2dBackwardData(dy, filter, dx, geometry) -> boolean; dx = gradient w.r.t. the input.
Napi::Value conv2dBackwardData(const Napi::CallbackInfo &info) {
  return guardNative(info, "conv2dBackwardData", [&]() -> Napi::Value {
    ConvGeometry g = readGeometry(info, 3);
    float *dy = floatArgument(info, 0, "dy", outputSize(g));
    float *filter = floatArgument(info, 1, "filter", filterSize(g));
    float *dx = floatArgument(info, 2, "dx", inputSize(g));
    Napi::Env env = info.Env();

    std::string key = makeKey("bwd_data", geometryValues(g));
    std::shared_ptr<BackwardDataEntry> entry = backwardDataCache.find(key);
    if (!entry) {
      ConvDescriptors d = makeDescriptors(g);
      try {
        auto hint = makeForwardHint(d, dnnl::primitive_attr(), false);
        dnnl::convolution_backward_data::desc descriptor(
            dnnl::algorithm::convolution_direct, d.source, d.filterAny, d.destination, d.strides,
            d.dilations, d.paddingBefore, d.paddingAfter);
        dnnl::convolution_backward_data::primitive_desc primitiveDesc(descriptor, cpuEngine(), hint);
        entry = std::make_shared<BackwardDataEntry>();
        entry->primitive = dnnl::convolution_backward_data(primitiveDesc);
        entry->filter.prepare(d.filterUser, primitiveDesc.weights_desc(), true);
      } catch (const dnnl::error &error) {
        if (isUnimplemented(error)) return Napi::Boolean::New(env, false);
        throw;
      }
      backwardDataCache.insert(key, entry);
    }

    dnnl::stream &stream = cpuStream();
    ConvDescriptors d = makeDescriptors(g);
    memory filterMemory(entry->filter.userDesc, cpuEngine(), filter);
    if (entry->filter.needed) {
      entry->filter.toPrimitive.execute(stream, filterMemory, entry->filter.buffer);
      filterMemory = entry->filter.buffer;
    }
    entry->primitive.execute(stream, {
                                         {DNNL_ARG_DIFF_DST, memory(d.destination, cpuEngine(), dy)},
                                         {DNNL_ARG_WEIGHTS, filterMemory},
                                         {DNNL_ARG_DIFF_SRC, memory(d.source, cpuEngine(), dx)},
                                     });
    stream.wait();
    return Napi::Boolean::New(env, true);
  });
}

// conv2dBackwardFilter(x, dy, dw, geometry) -> boolean; dw = gradient w.r.t. the HWIO filter.
Napi::Value conv2dBackwardFilter(const Napi::CallbackInfo &info) {
  return guardNative(info, "conv2dBackwardFilter", [&]() -> Napi::Value {
    ConvGeometry g = readGeometry(info, 3);
    float *x = floatArgument(info, 0, "x", inputSize(g));
    float *dy = floatArgument(info, 1, "dy", outputSize(g));
    float *dw = floatArgument(info, 2, "dw", filterSize(g));
    Napi::Env env = info.Env();

    std::string key = makeKey("bwd_filter", geometryValues(g));
    std::shared_ptr<BackwardFilterEntry> entry = backwardFilterCache.find(key);
    if (!entry) {
      ConvDescriptors d = makeDescriptors(g);
      try {
        auto hint = makeForwardHint(d, dnnl::primitive_attr(), false);
        dnnl::convolution_backward_weights::desc descriptor(
            dnnl::algorithm::convolution_direct, d.source, d.filterAny, d.destination, d.strides,
            d.dilations, d.paddingBefore, d.paddingAfter);
        dnnl::convolution_backward_weights::primitive_desc primitiveDesc(descriptor, cpuEngine(),
                                                                         hint);
        entry = std::make_shared<BackwardFilterEntry>();
        entry->primitive = dnnl::convolution_backward_weights(primitiveDesc);
        entry->filter.prepare(d.filterUser, primitiveDesc.diff_weights_desc(), false);
      } catch (const dnnl::error &error) {
        if (isUnimplemented(error)) return Napi::Boolean::New(env, false);
        throw;
      }
      backwardFilterCache.insert(key, entry);
    }

    dnnl::stream &stream = cpuStream();
    ConvDescriptors d = makeDescriptors(g);
    memory userFilter(entry->filter.userDesc, cpuEngine(), dw);
    memory target = entry->filter.needed ? entry->filter.buffer : userFilter;
    entry->primitive.execute(stream, {
                                         {DNNL_ARG_SRC, memory(d.source, cpuEngine(), x)},
                                         {DNNL_ARG_DIFF_DST, memory(d.destination, cpuEngine(), dy)},
                                         {DNNL_ARG_DIFF_WEIGHTS, target},
                                     });
    if (entry->filter.needed) entry->filter.toUser.execute(stream, entry->filter.buffer, userFilter);
    stream.wait();
    return Napi::Boolean::New(env, true);
  });
}

}  // namespace

void clearConvolutionCache() {
  forwardCache.clear();
  backwardDataCache.clear();
  backwardFilterCache.clear();
}

size_t convolutionCacheSize() {
  return forwardCache.size() + backwardDataCache.size() + backwardFilterCache.size();
}

void registerConvolution(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2dForward", Napi::Function::New(env, conv2dForward, "conv2dForward"));
  exports.Set("conv2dBackwardData", Napi::Function::New(env, conv2dBackwardData, "conv2dBackwardData"));
  exports.Set("conv2dBackwardFilter",
              Napi::Function::New(env, conv2dBackwardFilter, "conv2dBackwardFilter"));
}

}  // namespace csi_native
