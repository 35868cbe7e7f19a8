// tcp mode's connection gate: CIDR matching at any prefix length (IPv4, IPv6, IPv4-mapped clients), the
// first matching rule deciding, the order rules → rate limit → per-IP cap with the slot released on Leave, and
// (under TSan) one gate shared by several loop threads staying exact.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "l4/connection_gate.h"

using fulcrum::l4::AddressRule;
using fulcrum::l4::AddressRuleMatches;
using fulcrum::l4::ClientIpOf;
using fulcrum::l4::ConnectionGate;
using fulcrum::l4::ConnectionGateOptions;
using fulcrum::l4::GateVerdict;

namespace {

sockaddr_storage Address(const char* text) {
  sockaddr_storage address{};
  if (strchr(text, ':')) {
    auto& v6 = reinterpret_cast<sockaddr_in6&>(address);
    v6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &v6.sin6_addr);
  } else {
    auto& v4 = reinterpret_cast<sockaddr_in&>(address);
    v4.sin_family = AF_INET;
    inet_pton(AF_INET, text, &v4.sin_addr);
  }
  return address;
}

AddressRule Rule(const char* text, uint8_t prefixLength, bool allow, uint16_t index) {
  const sockaddr_storage address = Address(text);
  const auto ip = ClientIpOf(address);
  AddressRule rule{ip.family, prefixLength, {}, allow, index};
  memcpy(rule.bytes, ip.bytes, sizeof rule.bytes);
  return rule;
}

bool Matches(const AddressRule& rule, const char* client) {
  return AddressRuleMatches(rule, ClientIpOf(Address(client)));
}

}  // namespace

TEST(AddressRulesMatchAtAnyPrefixLength) {
  CHECK(Matches(Rule("10.16.0.0", 12, false, 0), "10.31.255.255"));
  CHECK(!Matches(Rule("10.16.0.0", 12, false, 0), "10.32.0.0"));
  CHECK(Matches(Rule("203.0.113.7", 32, false, 0), "203.0.113.7"));
  CHECK(!Matches(Rule("203.0.113.7", 32, false, 0), "203.0.113.6"));
  CHECK(Matches(Rule("0.0.0.0", 0, false, 0), "198.51.100.1"));
  CHECK(!Matches(Rule("0.0.0.0", 0, false, 0), "::1"));  // an IPv4 rule never holds an IPv6 client
  CHECK(Matches(Rule("2001:db8:8000::", 33, false, 0), "2001:db8:ffff::1"));
  CHECK(!Matches(Rule("2001:db8:8000::", 33, false, 0), "2001:db8:7fff::1"));
  CHECK(Matches(Rule("::1", 128, false, 0), "::1"));
  AddressRule everyone{};
  CHECK(Matches(everyone, "192.0.2.1") && Matches(everyone, "fe80::1"));
}

TEST(AnIpv4MappedClientIsMatchedAndKeyedAsIpv4) {
  CHECK(Matches(Rule("127.0.0.0", 8, false, 0), "::ffff:127.0.0.2"));
  CHECK(ClientIpOf(Address("::ffff:127.0.0.2")).key() == ClientIpOf(Address("127.0.0.2")).key());
  CHECK(ClientIpOf(Address("::1")).key().size() == 16);
}

TEST(TheFirstMatchingRuleDecidesAndIsCounted) {
  ConnectionGateOptions options;
  options.ruleCount = 3;
  options.addressRules = {Rule("10.0.0.5", 32, false, 0), Rule("10.0.0.0", 8, true, 1), Rule("2001:db8::", 32, true, 1),
                          AddressRule{0, 0, {}, false, 2}};
  ConnectionGate gate(options);
  CHECK(gate.Admit(Address("10.0.0.5"), 0).verdict == GateVerdict::Denied);
  const auto allowed = gate.Admit(Address("10.9.9.9"), 0);
  CHECK(allowed.verdict == GateVerdict::Admitted && allowed.rule == 1 && !allowed.holdsIpSlot);
  CHECK(gate.Admit(Address("2001:db8::1"), 0).rule == 1);
  const auto rest = gate.Admit(Address("192.0.2.1"), 0);
  CHECK(rest.verdict == GateVerdict::Denied && rest.rule == 2);
  CHECK(gate.deniedBy(0) == 1 && gate.allowedBy(1) == 2 && gate.deniedBy(2) == 1);
}

TEST(RulesThenRateThenCapAndLeaveFreesTheSlot) {
  ConnectionGateOptions options;
  options.ruleCount = 1;
  options.addressRules = {Rule("192.0.2.66", 32, false, 0)};
  options.connectionRate = 1.0 / 3600;
  options.connectionBurst = 3;
  options.maxConnectionsPerIp = 2;
  ConnectionGate gate(options);
  CHECK(gate.Admit(Address("192.0.2.66"), 0).verdict == GateVerdict::Denied);  // spends no token
  const sockaddr_storage client = Address("192.0.2.77");
  CHECK(gate.Admit(client, 0).holdsIpSlot);
  CHECK(gate.Admit(client, 0).holdsIpSlot);
  CHECK(gate.Admit(client, 0).verdict == GateVerdict::Capped);   // the third token, then the cap
  CHECK(gate.Admit(client, 0).verdict == GateVerdict::Limited);  // no token left
  gate.Leave(client);
  CHECK(gate.Admit(Address("::ffff:192.0.2.66"), 0).verdict == GateVerdict::Denied);
  CHECK(gate.limited() == 1 && gate.capped() == 1);
}

// Under TSan: loop threads share one gate; the burst and the cap hold exactly however the admissions interleave.
TEST(OneGateIsExactAcrossLoopThreads) {
  ConnectionGateOptions options;
  options.connectionRate = 1.0 / 3600;
  options.connectionBurst = 40;
  options.maxConnectionsPerIp = 1000;
  ConnectionGate gate(options);
  const sockaddr_storage client = Address("198.51.100.40");
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&] {
      for (int attempt = 0; attempt < 100; ++attempt) {
        if (gate.Admit(client, 0).verdict != GateVerdict::Admitted) continue;
        admitted.fetch_add(1);
        gate.Leave(client);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(admitted.load() == 40);
  CHECK(gate.limited() == 360);
}
