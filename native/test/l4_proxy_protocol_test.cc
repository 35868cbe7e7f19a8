// The PROXY protocol parser at the edges of the v2 length: TLVs up to the format's 65535-byte payload
// are accepted, a header one byte short is incomplete, and the bytes after it are not counted in it.
#include <netinet/in.h>

#include <cstdint>
#include <vector>

#include "check.h"
#include "l4/proxy_protocol.h"

using namespace fulcrum::l4;

namespace {

// A v2 PROXY header for TCP over IPv4 (192.0.2.9:40000 -> 198.51.100.7:8443), padded with NOOP TLVs
// (type 0x04) to `payloadLength` bytes after the 16 fixed ones.
std::vector<uint8_t> V2HeaderWithPayload(size_t payloadLength) {
  std::vector<uint8_t> header = {0x0D,
                                 0x0A,
                                 0x0D,
                                 0x0A,
                                 0x00,
                                 0x0D,
                                 0x0A,
                                 0x51,
                                 0x55,
                                 0x49,
                                 0x54,
                                 0x0A,
                                 0x21,
                                 0x11,
                                 static_cast<uint8_t>(payloadLength >> 8),
                                 static_cast<uint8_t>(payloadLength & 0xFF),
                                 192,
                                 0,
                                 2,
                                 9,
                                 198,
                                 51,
                                 100,
                                 7,
                                 0x9C,
                                 0x40,
                                 0x20,
                                 0xFB};
  size_t room = payloadLength - 12;
  while (room > 0) {
    size_t valueLength = room - 3 < 4096 ? room - 3 : 4096;
    header.push_back(0x04);
    header.push_back(static_cast<uint8_t>(valueLength >> 8));
    header.push_back(static_cast<uint8_t>(valueLength & 0xFF));
    header.insert(header.end(), valueLength, 'a');
    room -= 3 + valueLength;
  }
  return header;
}

}  // namespace

TEST(ProxyV2AcceptsEveryPayloadLengthTheFormatAllows) {
  for (size_t payload : {12u, 520u, 521u, 4080u, 65535u}) {
    std::vector<uint8_t> header = V2HeaderWithPayload(payload);
    CHECK_EQ(header.size(), 16 + payload);
    header.insert(header.end(), {'b', 'o', 'd', 'y'});
    ProxyHeaderParse parse = ParseProxyHeader(header.data(), header.size());
    CHECK(parse.status == ProxyHeaderStatus::Complete);
    CHECK_EQ(parse.length, 16 + payload);
    CHECK(parse.hasAddresses);
    CHECK_EQ(ntohs(reinterpret_cast<const sockaddr_in&>(parse.source).sin_port), 40000);
    CHECK_EQ(ntohs(reinterpret_cast<const sockaddr_in&>(parse.destination).sin_port), 8443);
  }
  CHECK_EQ(kMaxProxyHeaderLength, 16u + 65535u);
}

TEST(ProxyV2HeaderOneByteShortIsIncomplete) {
  std::vector<uint8_t> header = V2HeaderWithPayload(65535);
  CHECK(ParseProxyHeader(header.data(), header.size() - 1).status == ProxyHeaderStatus::Incomplete);
  CHECK(ParseProxyHeader(header.data(), 15).status == ProxyHeaderStatus::Incomplete);
}

TEST(ProxyV2PayloadTooShortForItsAddressesIsInvalid) {
  std::vector<uint8_t> header = V2HeaderWithPayload(12);
  header[15] = 11;  // claims 11 bytes: less than two IPv4 addresses and ports
  CHECK(ParseProxyHeader(header.data(), header.size()).status == ProxyHeaderStatus::Invalid);
}
