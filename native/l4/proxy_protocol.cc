// PROXY protocol v1/v2: building the header sent to backends and parsing the one from a trusted front.
#include "l4/proxy_protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstring>
#include <string_view>

namespace fulcrum::l4 {

namespace {

constexpr uint8_t kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr size_t kV2FixedLength = 16;
constexpr size_t kV1MaxLength = 107;

uint16_t PortOf(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
}

std::string TextOf(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text, sizeof text);
  } else {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
  }
  return text;
}

std::string BuildV1(const sockaddr_storage& source, const sockaddr_storage& destination) {
  if (source.ss_family != destination.ss_family) return "PROXY UNKNOWN\r\n";
  const char* family = source.ss_family == AF_INET6 ? "TCP6" : "TCP4";
  char line[kV1MaxLength + 1];
  int length = snprintf(line, sizeof line, "PROXY %s %s %s %u %u\r\n", family, TextOf(source).c_str(),
                        TextOf(destination).c_str(), PortOf(source), PortOf(destination));
  return std::string(line, static_cast<size_t>(length));
}

std::string BuildV2(const sockaddr_storage& source, const sockaddr_storage& destination) {
  std::string header(reinterpret_cast<const char*>(kV2Signature), sizeof kV2Signature);
  header.push_back(static_cast<char>(0x21));  // version 2, command PROXY
  auto appendBigEndian16 = [&header](uint16_t value) {
    header.push_back(static_cast<char>(value >> 8));
    header.push_back(static_cast<char>(value & 0xFF));
  };
  if (source.ss_family == AF_INET && destination.ss_family == AF_INET) {
    header.push_back(static_cast<char>(0x11));  // TCP over IPv4
    appendBigEndian16(12);                      // two addresses of 4 bytes, two ports
    header.append(reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in&>(source).sin_addr), 4);
    header.append(reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in&>(destination).sin_addr), 4);
  } else if (source.ss_family == AF_INET6 && destination.ss_family == AF_INET6) {
    header.push_back(static_cast<char>(0x21));  // TCP over IPv6
    appendBigEndian16(36);                      // two addresses of 16 bytes, two ports
    header.append(reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in6&>(source).sin6_addr), 16);
    header.append(reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in6&>(destination).sin6_addr), 16);
  } else {
    header.push_back(0);  // UNSPEC: the backend keeps the connection's own addresses
    appendBigEndian16(0);
    return header;
  }
  appendBigEndian16(PortOf(source));
  appendBigEndian16(PortOf(destination));
  return header;
}

bool ParseV1Address(std::string_view text, int family, uint16_t port, sockaddr_storage& out) {
  char buffer[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buffer) return false;
  memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = 0;
  memset(&out, 0, sizeof out);
  if (family == AF_INET) {
    auto& address = reinterpret_cast<sockaddr_in&>(out);
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    return inet_pton(AF_INET, buffer, &address.sin_addr) == 1;
  }
  auto& address = reinterpret_cast<sockaddr_in6&>(out);
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(port);
  return inet_pton(AF_INET6, buffer, &address.sin6_addr) == 1;
}

bool ParsePort(std::string_view text, uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  uint32_t value = 0;
  for (char digit : text) {
    if (digit < '0' || digit > '9') return false;
    value = value * 10 + static_cast<uint32_t>(digit - '0');
  }
  if (value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

ProxyHeaderParse ParseV1(const uint8_t* data, size_t length) {
  ProxyHeaderParse parse;
  std::string_view stream(reinterpret_cast<const char*>(data), length < kV1MaxLength ? length : kV1MaxLength);
  size_t end = stream.find("\r\n");
  if (end == std::string_view::npos) {
    parse.status = length >= kV1MaxLength ? ProxyHeaderStatus::Invalid : ProxyHeaderStatus::Incomplete;
    return parse;
  }
  parse.status = ProxyHeaderStatus::Invalid;
  std::string_view fields[6];
  size_t count = 0;
  std::string_view line = stream.substr(0, end);
  while (!line.empty() && count < 6) {
    size_t space = line.find(' ');
    fields[count++] = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  }
  if (count >= 2 && fields[0] == "PROXY" && fields[1] == "UNKNOWN") {
    parse.status = ProxyHeaderStatus::Complete;
    parse.length = end + 2;
    return parse;
  }
  if (count != 6 || !line.empty() || fields[0] != "PROXY") return parse;
  int family = fields[1] == "TCP4" ? AF_INET : fields[1] == "TCP6" ? AF_INET6 : AF_UNSPEC;
  uint16_t sourcePort = 0;
  uint16_t destinationPort = 0;
  if (family == AF_UNSPEC || !ParsePort(fields[4], sourcePort) || !ParsePort(fields[5], destinationPort)) return parse;
  if (!ParseV1Address(fields[2], family, sourcePort, parse.source) ||
      !ParseV1Address(fields[3], family, destinationPort, parse.destination)) {
    return parse;
  }
  parse.status = ProxyHeaderStatus::Complete;
  parse.length = end + 2;
  parse.hasAddresses = true;
  return parse;
}

void SetV2Address(sockaddr_storage& out, int family, const uint8_t* address, const uint8_t* port) {
  memset(&out, 0, sizeof out);
  uint16_t networkPort;
  memcpy(&networkPort, port, 2);
  if (family == AF_INET) {
    auto& v4 = reinterpret_cast<sockaddr_in&>(out);
    v4.sin_family = AF_INET;
    v4.sin_port = networkPort;
    memcpy(&v4.sin_addr, address, 4);
  } else {
    auto& v6 = reinterpret_cast<sockaddr_in6&>(out);
    v6.sin6_family = AF_INET6;
    v6.sin6_port = networkPort;
    memcpy(&v6.sin6_addr, address, 16);
  }
}

ProxyHeaderParse ParseV2(const uint8_t* data, size_t length) {
  ProxyHeaderParse parse;
  if (length < kV2FixedLength) return parse;
  size_t payload = (static_cast<size_t>(data[14]) << 8) | data[15];
  parse.status = ProxyHeaderStatus::Invalid;
  if ((data[12] & 0xF0) != 0x20) return parse;
  if (length < kV2FixedLength + payload) {
    parse.status = ProxyHeaderStatus::Incomplete;
    return parse;
  }
  uint8_t command = data[12] & 0x0F;
  uint8_t family = data[13];
  const uint8_t* body = data + kV2FixedLength;
  parse.length = kV2FixedLength + payload;
  if (command == 0x00) {  // LOCAL: a health check from the front itself
    parse.status = ProxyHeaderStatus::Complete;
    return parse;
  }
  if (command != 0x01) return parse;
  if (family == 0x11 && payload >= 12) {
    SetV2Address(parse.source, AF_INET, body, body + 8);
    SetV2Address(parse.destination, AF_INET, body + 4, body + 10);
    parse.hasAddresses = true;
  } else if (family == 0x21 && payload >= 36) {
    SetV2Address(parse.source, AF_INET6, body, body + 32);
    SetV2Address(parse.destination, AF_INET6, body + 16, body + 34);
    parse.hasAddresses = true;
  } else if ((family & 0xF0) != 0x00 && (family & 0xF0) != 0x30) {
    return parse;  // a known IP family with a payload too short for its addresses
  }
  parse.status = ProxyHeaderStatus::Complete;
  return parse;
}

}  // namespace

std::string BuildProxyHeader(ProxyProtocolVersion version, const sockaddr_storage& source,
                             const sockaddr_storage& destination) {
  if (version == ProxyProtocolVersion::V1) return BuildV1(source, destination);
  if (version == ProxyProtocolVersion::V2) return BuildV2(source, destination);
  return std::string();
}

ProxyHeaderParse ParseProxyHeader(const uint8_t* data, size_t length) {
  ProxyHeaderParse parse;
  size_t compared = length < sizeof kV2Signature ? length : sizeof kV2Signature;
  if (memcmp(data, kV2Signature, compared) == 0) {
    return compared == sizeof kV2Signature ? ParseV2(data, length) : parse;
  }
  static constexpr std::string_view kV1Prefix = "PROXY ";
  compared = length < kV1Prefix.size() ? length : kV1Prefix.size();
  if (memcmp(data, kV1Prefix.data(), compared) != 0) {
    parse.status = ProxyHeaderStatus::Invalid;
    return parse;
  }
  return compared == kV1Prefix.size() ? ParseV1(data, length) : parse;
}

}  // namespace fulcrum::l4
