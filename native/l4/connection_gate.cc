// See connection_gate.h. Admit and Leave run on the loop threads; the rules are read-only there.
#include "l4/connection_gate.h"

#include <netinet/in.h>

#include <cstring>

namespace fulcrum::l4 {

ClientIp ClientIpOf(const sockaddr_storage& address) {
  ClientIp ip;
  if (address.ss_family == AF_INET) {
    ip.family = 4;
    memcpy(ip.bytes, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, 4);
  } else if (address.ss_family == AF_INET6) {
    const in6_addr& v6 = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; rules and limits treat them as IPv4.
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      ip.family = 4;
      memcpy(ip.bytes, v6.s6_addr + 12, 4);
    } else {
      ip.family = 6;
      memcpy(ip.bytes, v6.s6_addr, 16);
    }
  }
  return ip;
}

bool AddressRuleMatches(const AddressRule& rule, const ClientIp& ip) {
  if (rule.family == 0) return true;
  if (rule.family != ip.family) return false;
  const uint32_t wholeBytes = rule.prefixLength / 8;
  if (memcmp(rule.bytes, ip.bytes, wholeBytes) != 0) return false;
  const uint32_t restBits = rule.prefixLength % 8;
  if (restBits == 0) return true;
  const auto mask = static_cast<uint8_t>(0xff << (8 - restBits));
  return (rule.bytes[wholeBytes] & mask) == (ip.bytes[wholeBytes] & mask);
}

ConnectionGate::ConnectionGate(const ConnectionGateOptions& options)
    : rules_(options.addressRules),
      ruleCount_(options.ruleCount),
      rate_(options.connectionRate),
      burst_(options.connectionBurst),
      maxPerIp_(options.maxConnectionsPerIp),
      enabled_(!options.addressRules.empty() || options.connectionRate > 0 || options.maxConnectionsPerIp > 0),
      allowedByRule_(new std::atomic<uint64_t>[options.ruleCount]()),
      deniedByRule_(new std::atomic<uint64_t>[options.ruleCount]()) {
  if (rate_ > 0) buckets_ = limits::OpenTokenBuckets(kRateTable, kRateKeys);
  if (maxPerIp_ > 0) perIp_ = limits::OpenConcurrencyCounts(kPerIpTable, kPerIpKeys);
}

GateDecision ConnectionGate::Admit(const sockaddr_storage& client, int64_t nowUs) {
  GateDecision decision;
  const ClientIp ip = ClientIpOf(client);
  for (const AddressRule& rule : rules_) {
    if (!AddressRuleMatches(rule, ip)) continue;
    decision.rule = rule.rule;
    (rule.allow ? allowedByRule_ : deniedByRule_)[rule.rule].fetch_add(1, std::memory_order_relaxed);
    if (!rule.allow) {
      decision.verdict = GateVerdict::Denied;
      return decision;
    }
    break;
  }
  // The rate limit counts every attempt that passed the rules, also one the cap then refuses: a client
  // retrying against its cap spends its tokens too.
  if (buckets_ && buckets_->Take(ip.key(), rate_, burst_, nowUs) != 0) {
    limited_.fetch_add(1, std::memory_order_relaxed);
    decision.verdict = GateVerdict::Limited;
    return decision;
  }
  if (perIp_) {
    if (!perIp_->TryAcquire(ip.key(), maxPerIp_)) {
      capped_.fetch_add(1, std::memory_order_relaxed);
      decision.verdict = GateVerdict::Capped;
      return decision;
    }
    decision.holdsIpSlot = true;
  }
  return decision;
}

void ConnectionGate::Leave(const sockaddr_storage& client) {
  if (perIp_) perIp_->Release(ClientIpOf(client).key());
}

}  // namespace fulcrum::l4
