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
        ["fulcrum_waf=='1'", {
          "defines": ["FULCRUM_WAF"],
          "libraries": ["<!@(node scripts/waf-library.mjs libs)"]
        }]
      ]
    }
  ]
}
