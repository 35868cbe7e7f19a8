// KeyArgument runs on the JS thread making the pick call.
#include "key_argument.h"

#include <string>

#include "throw_error.h"

namespace fulcrum::balancer {

namespace {

bool TooLarge(napi_env env, size_t length) {
  ThrowBalancerError(env, "pick key is " + std::to_string(length) + " bytes; keys may be at most " +
                              std::to_string(kMaxKeyBytes) + " bytes (hash long values yourself first)");
  return false;
}

}  // namespace

bool KeyArgument::read(napi_env env, napi_value value) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (type == napi_undefined || type == napi_null) return true;
  if (type == napi_string) return readString(env, value);
  bool isTypedArray = false;
  if (type == napi_object) napi_is_typedarray(env, value, &isTypedArray);
  if (isTypedArray) {
    napi_typedarray_type arrayType;
    void* bytes = nullptr;
    napi_value arrayBuffer;
    size_t byteOffset = 0;
    napi_get_typedarray_info(env, value, &arrayType, &length_, &bytes, &arrayBuffer, &byteOffset);
    if (arrayType == napi_uint8_array) {
      if (length_ > kMaxKeyBytes) return TooLarge(env, length_);
      // An empty Buffer may have no storage; a non-null pointer keeps "empty key" apart from "no key".
      data_ = length_ == 0 ? reinterpret_cast<const uint8_t*>(inline_) : static_cast<const uint8_t*>(bytes);
      return true;
    }
  }
  ThrowBalancerError(env, "pick key must be a string, a Buffer/Uint8Array, or undefined");
  return false;
}

bool KeyArgument::readString(napi_env env, napi_value value) {
  size_t copied = 0;
  napi_get_value_string_utf8(env, value, inline_, sizeof(inline_), &copied);
  // Near the end of the buffer the string may have been cut (possibly before a multi-byte character).
  if (copied + 4 >= sizeof(inline_)) {
    size_t fullLength = 0;
    napi_get_value_string_utf8(env, value, nullptr, 0, &fullLength);
    if (fullLength > kMaxKeyBytes) return TooLarge(env, fullLength);
    if (fullLength >= sizeof(inline_)) {
      large_ = std::make_unique<char[]>(fullLength + 1);
      napi_get_value_string_utf8(env, value, large_.get(), fullLength + 1, &copied);
      data_ = reinterpret_cast<const uint8_t*>(large_.get());
      length_ = copied;
      return true;
    }
  }
  data_ = reinterpret_cast<const uint8_t*>(inline_);
  length_ = copied;
  return true;
}

}  // namespace fulcrum::balancer
