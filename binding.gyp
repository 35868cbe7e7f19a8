{
  "variables": {
    "fulcrum_waf": "<!(node scripts/waf-library.mjs)"
  },
  "targets": [
    {
      "target_name": "fulcrum",
      "sources": ["<!@(node scripts/native-sources.mjs)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++20", "-Wall", "-Wextra", "-Werror", "-O2", "-fno-exceptions"],
      "libraries": ["-lpthread"],
      "conditions": [
        # libmodsecurity's headers hold a `throw` and a dynamic_cast: with the WAF the target builds with exceptions
        # and RTTI (cmake gives -fexceptions to native/waf/waf_rules.cc alone; gyp has no per-file flags, and
        # node-gyp adds -fno-rtti where cmake-js does not). N-API stays exception-free.
        ["fulcrum_waf=='yes'", {
          "defines": ["FULCRUM_WAF"],
          "cflags_cc": ["-fexceptions", "-frtti"],
          "libraries": ["<!@(node scripts/waf-library.mjs libs)"]
        }]
      ]
    }
  ]
}
