{
  "targets": [
    {
      "target_name": "csi_native",
      "sources": [
        "addon.cc",
        "common.cc",
        "conv2d.cc",
        "matmul.cc",
        "elementwise.cc",
        "reduction.cc",
        "batch_norm_training.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node ../scripts/toolchain.mjs include-dirs)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++1y", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fopenmp", "<!@(node ../scripts/toolchain.mjs simd-flags)"],
      "ldflags": ["-fopenmp", "<!@(node ../scripts/toolchain.mjs rpath-flags)"],
      "libraries": ["<!@(node ../scripts/toolchain.mjs library-flags)"]
    }
  ]
}
