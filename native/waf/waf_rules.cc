// See waf_rules.h. Built with -fexceptions: libmodsecurity's headers hold a `throw`.
// The engine and the registry are created on first use and live until the process
// ends; the registry's mutex serialises every rule load (ModSecurity#2536) and every registry lookup.
#ifdef FULCRUM_WAF

#include "waf/waf_rules.h"

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>

namespace fulcrum::waf {

namespace {

using modsecurity::ModSecurity;
using modsecurity::ModSecurityIntervention;
using modsecurity::RuleMessage;
using modsecurity::Transaction;

// The engine's server log: unused, as Inspect reads each transaction's rule messages. Set (with structured
// messages, so no log text is formatted) because libmodsecurity otherwise prints a complaint per match.
void IgnoreServerLog(void*, const void*) {}

std::mutex registryMutex;

// Created once, under registryMutex; afterwards only read (by transactions on every worker thread).
ModSecurity* Engine() {
  static ModSecurity* engine = [] {
    ModSecurity* created = modsecurity::msc_init();
    modsecurity::msc_set_connector_info(created, "Fulcrum");
    created->setServerLogCb(IgnoreServerLog, modsecurity::RuleMessageLogProperty);
    return created;
  }();
  return engine;
}

// Checks for, and clears, a disruptive action after a phase.
bool Intervened(Transaction* transaction, Verdict* verdict) {
  ModSecurityIntervention intervention;
  intervention.status = 200;
  intervention.pause = 0;
  intervention.url = nullptr;
  intervention.log = nullptr;
  intervention.disruptive = 0;
  const bool disruptive =
      modsecurity::msc_intervention(transaction, &intervention) != 0 && intervention.disruptive != 0;
  free(intervention.url);
  free(intervention.log);
  if (disruptive) verdict->status = intervention.status >= 400 ? intervention.status : 403;
  return disruptive;
}

}  // namespace

LoadedRules::~LoadedRules() { modsecurity::msc_rules_cleanup(rules_); }

std::shared_ptr<LoadedRules> LoadRules(const std::string& key, const std::string& directives, std::string* error) {
  // Loaded sets stay for the process's life: a reload that changes the WAF settings adds one.
  static std::unordered_map<std::string, std::shared_ptr<LoadedRules>> registry;
  std::lock_guard<std::mutex> lock(registryMutex);
  Engine();
  auto found = registry.find(key);
  if (found != registry.end()) return found->second;
  modsecurity::RulesSet* rules = modsecurity::msc_create_rules_set();
  const char* parseError = nullptr;
  if (modsecurity::msc_rules_add(rules, directives.c_str(), &parseError) < 0) {
    *error = parseError != nullptr ? parseError : "the rules did not load (libmodsecurity gave no reason)";
    free(const_cast<char*>(parseError));
    modsecurity::msc_rules_cleanup(rules);
    return nullptr;
  }
  free(const_cast<char*>(parseError));
  auto loaded = std::make_shared<LoadedRules>(rules);
  registry.emplace(key, loaded);
  return loaded;
}

Verdict Inspect(const LoadedRules& rules, const RequestFacts& request) {
  Verdict verdict;
  Transaction* transaction = modsecurity::msc_new_transaction(Engine(), rules.rules(), nullptr);
  modsecurity::msc_process_connection(transaction, request.clientAddress.c_str(), request.clientPort, "127.0.0.1", 0);
  modsecurity::msc_process_uri(transaction, request.uri.c_str(), request.method.c_str(), request.httpVersion.c_str());
  if (!Intervened(transaction, &verdict)) {
    const std::vector<std::string>& headers = request.headers;
    for (size_t index = 0; index + 1 < headers.size(); index += 2) {
      const std::string& name = headers[index];
      const std::string& value = headers[index + 1];
      modsecurity::msc_add_n_request_header(transaction, reinterpret_cast<const unsigned char*>(name.data()),
                                            name.size(), reinterpret_cast<const unsigned char*>(value.data()),
                                            value.size());
    }
    modsecurity::msc_process_request_headers(transaction);
    if (!Intervened(transaction, &verdict)) {
      if (request.bodyLength > 0) modsecurity::msc_append_request_body(transaction, request.body, request.bodyLength);
      modsecurity::msc_process_request_body(transaction);
      Intervened(transaction, &verdict);
    }
  }
  // The transaction's own record of what matched: ids as numbers, not parsed out of log text that an
  // attacker's data could imitate.
  for (const RuleMessage& message : transaction->m_rulesMessages) verdict.ruleIds.push_back(message.m_ruleId);
  modsecurity::msc_transaction_cleanup(transaction);
  return verdict;
}

std::string EngineVersion() { return MODSECURITY_VERSION; }

}  // namespace fulcrum::waf

#endif  // FULCRUM_WAF
