{
  "targets": [
    {
      "target_name": "signalbox_batch_io",
      "sources": ["native/batch_io.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none", "sources": []}]]
    }
  ]
}
