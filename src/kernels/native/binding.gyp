{
  "targets": [
    {
      "target_name": "meteor_native",
      "sources": ["c/addon.c", "c/sgemm.c", "c/scan.c", "c/copy.c", "c/norm.c", "c/fused.c", "c/optim.c", "c/conv.c"],
      "cflags_c": ["-std=gnu11", "-O3", "-march=native", "-fopenmp", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-O2"],
      "ldflags": ["-fopenmp"],
      "xcode_settings": {"OTHER_CFLAGS": ["-O3"]}
    }
  ]
}
