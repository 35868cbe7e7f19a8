// The WAF's process-wide state: one ModSecurity engine and a registry of loaded rule sets, keyed by the
// text Fulcrum built from a WAF config (mode, paranoia, extra files and their digests). Only built when
// libmodsecurity was found (FULCRUM_WAF).
#pragma once

#ifdef FULCRUM_WAF

#include <memory>
#include <string>
#include <vector>

namespace modsecurity {
class RulesSet;
}  // namespace modsecurity

namespace fulcrum::waf {

// A loaded rule set. Written once, by LoadRules under the registry's mutex; afterwards only read, by
// transactions on any L7 worker thread (libmodsecurity's RulesSet is safe to share once loaded; loading
// is not: ModSecurity#2536).
class LoadedRules {
 public:
  explicit LoadedRules(modsecurity::RulesSet* rules) : rules_(rules) {}
  ~LoadedRules();
  LoadedRules(const LoadedRules&) = delete;
  LoadedRules& operator=(const LoadedRules&) = delete;
  modsecurity::RulesSet* rules() const { return rules_; }

 private:
  modsecurity::RulesSet* rules_;
};

// The parts of one HTTP request the rules see, copied out of JS values by the binding. The body is a view
// into the caller's buffer, valid for the call.
struct RequestFacts {
  std::string clientAddress;
  int clientPort = 0;
  std::string method;
  std::string uri;
  std::string httpVersion;
  std::vector<std::string> headers;  // name, value, name, value ...
  const unsigned char* body = nullptr;
  size_t bodyLength = 0;
};

struct Verdict {
  // 0: let the request through; otherwise the status a disruptive rule asked for.
  int status = 0;
  // Ids of the rules that matched and kept a message (CRS rules do; nolog rules do not), in the order they ran.
  std::vector<int> ruleIds;
};

// Loads `directives` (a ModSecurity configuration text, Include lines and all) once per `key` and shares
// the result with every later caller of the same key, on any thread. On a parse error returns null and
// sets `error` to libmodsecurity's message (which names the file and line); failures are not cached.
std::shared_ptr<LoadedRules> LoadRules(const std::string& key, const std::string& directives, std::string* error);

// Runs phases 1 and 2 over one request on the calling thread: one transaction, made and freed here.
Verdict Inspect(const LoadedRules& rules, const RequestFacts& request);

// The libmodsecurity version the addon was built against ("3.0.9").
std::string EngineVersion();

}  // namespace fulcrum::waf

#endif  // FULCRUM_WAF
