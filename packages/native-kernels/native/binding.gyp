{
  "targets": [
    {
      "target_name": "mmnet_native_kernels",
      "sources": [
        "src/adam.cc",
        "src/addon.cc",
        "src/blas.cc",
        "src/conv.cc",
        "src/epilogue.cc",
        "src/im2col.cc",
        "src/matmul.cc",
        "src/parallel.cc",
        "src/scratch.cc",
        "src/builtin_sgemm.cc",
        "src/sgemm_avx2.cc",
        "src/sgemm_avx512.cc",
        "src/sgemm_generic.cc",
        "src/winograd.cc"
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
