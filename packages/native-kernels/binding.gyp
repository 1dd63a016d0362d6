{
  "targets": [
    {
      "target_name": "mmnet_native_kernels",
      "sources": [
        "native/src/adam.cc",
        "native/src/addon.cc",
        "native/src/blas.cc",
        "native/src/conv.cc",
        "native/src/epilogue.cc",
        "native/src/im2col.cc",
        "native/src/matmul.cc",
        "native/src/parallel.cc",
        "native/src/scratch.cc",
        "native/src/builtin_sgemm.cc",
        "native/src/sgemm_avx2.cc",
        "native/src/sgemm_avx512.cc",
        "native/src/sgemm_generic.cc",
        "native/src/winograd.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno"],
      "libraries": ["-ldl"]
    }
  ]
}
