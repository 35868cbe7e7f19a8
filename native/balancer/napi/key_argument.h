// Reads a pick key from JS (undefined, string or Uint8Array/Buffer) as bytes, without heap allocation for usual sizes.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fulcrum::balancer {

inline constexpr size_t kMaxKeyBytes = 64 * 1024;

// Lives on the stack of one N-API call on the calling JS thread. Strings are hashed as their UTF-8
// bytes, so a string and Buffer.from(string) land on the same backend. Buffers are read in place.
class KeyArgument {
 public:
  // false means a JS exception is pending (wrong type, or longer than kMaxKeyBytes).
  bool read(napi_env env, napi_value value);
  const uint8_t* data() const { return data_; }  // nullptr when no key was given
  size_t length() const { return length_; }

 private:
  bool readString(napi_env env, napi_value value);

  char inline_[512];
  std::unique_ptr<char[]> large_;
  const uint8_t* data_ = nullptr;
  size_t length_ = 0;
};

}  // namespace fulcrum::balancer
