// MD5 (RFC 1321), only so the ketama ring places points and keys exactly as libketama does.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace fulcrum::balancer {

std::array<uint8_t, 16> Md5(const uint8_t* data, size_t length);

}  // namespace fulcrum::balancer
