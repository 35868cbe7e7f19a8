// Stateless; any thread. Not for security: ketama compatibility is its only job.
#include "md5.h"

#include <cstring>

namespace fulcrum::balancer {

namespace {

constexpr uint32_t kShifts[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                  5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

constexpr uint32_t kSines[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

uint32_t RotateLeft(uint32_t value, uint32_t bits) { return (value << bits) | (value >> (32 - bits)); }

void ProcessBlock(const uint8_t* block, uint32_t state[4]) {
  uint32_t words[16];
  for (int word = 0; word < 16; ++word) {
    words[word] = static_cast<uint32_t>(block[word * 4]) | (static_cast<uint32_t>(block[word * 4 + 1]) << 8) |
                  (static_cast<uint32_t>(block[word * 4 + 2]) << 16) |
                  (static_cast<uint32_t>(block[word * 4 + 3]) << 24);
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  // One loop per round, so each loop body is branch-free and the compiler unrolls it.
  auto step = [&](uint32_t mixed, uint32_t stepIndex, uint32_t wordIndex) {
    uint32_t rotated = RotateLeft(a + mixed + kSines[stepIndex] + words[wordIndex], kShifts[stepIndex]);
    a = d;
    d = c;
    c = b;
    b = b + rotated;
  };
  for (uint32_t index = 0; index < 16; ++index) step((b & c) | (~b & d), index, index);
  for (uint32_t index = 16; index < 32; ++index) step((d & b) | (~d & c), index, (5 * index + 1) % 16);
  for (uint32_t index = 32; index < 48; ++index) step(b ^ c ^ d, index, (3 * index + 5) % 16);
  for (uint32_t index = 48; index < 64; ++index) step(c ^ (b | ~d), index, (7 * index) % 16);
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

}  // namespace

std::array<uint8_t, 16> Md5(const uint8_t* data, size_t length) {
  uint32_t state[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  size_t whole = length - length % 64;
  for (size_t offset = 0; offset < whole; offset += 64) ProcessBlock(data + offset, state);

  uint8_t tail[128] = {};
  size_t rest = length - whole;
  if (rest > 0) std::memcpy(tail, data + whole, rest);
  tail[rest] = 0x80;
  size_t tailLength = rest + 1 + 8 <= 64 ? 64 : 128;
  uint64_t bitLength = static_cast<uint64_t>(length) * 8;
  for (int byte = 0; byte < 8; ++byte) tail[tailLength - 8 + byte] = static_cast<uint8_t>(bitLength >> (8 * byte));
  for (size_t offset = 0; offset < tailLength; offset += 64) ProcessBlock(tail + offset, state);

  std::array<uint8_t, 16> digest;
  for (int word = 0; word < 4; ++word) {
    for (int byte = 0; byte < 4; ++byte) digest[word * 4 + byte] = static_cast<uint8_t>(state[word] >> (8 * byte));
  }
  return digest;
}

}  // namespace fulcrum::balancer
