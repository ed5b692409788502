{
  "targets": [
    {
      "target_name": "packetio",
      "sources": ["src/addon.c", "src/netns.c", "src/sender.c", "src/capture.c", "src/stats.c", "src/evalkern.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-std=gnu11", "-pthread"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
