// enableListenerMigration(port): attaches a two-instruction eBPF program of type SK_REUSEPORT, attach type
// SELECT_OR_MIGRATE, to the SO_REUSEPORT group of this process's listeners on `port`. The program selects
// nothing, so new connections are still spread by the kernel's hash as before; its only effect is that
// when a member listener closes (the old data plane after a reload), the connections in its accept queue
// and mid-handshake move to another member instead of being reset. This is what
// net.ipv4.tcp_migrate_req=1 does for a whole network namespace, scoped to Fulcrum's own group, and it
// needs CAP_BPF (or CAP_SYS_ADMIN) instead of a system setting.
//
// Main thread only. The listeners themselves belong to uWS worker threads or native loop threads; they
// are found through /proc/self/fd, and the program is attached to the group, which outlives any member.
#include "reuseport_migration.h"

#include <dirent.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace fulcrum {

namespace {

/** r0 = SK_PASS; exit. Passing without a selection means "choose by hash", also for a migration. */
int LoadPassProgram() {
  bpf_insn instructions[2] = {};
  instructions[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
  instructions[0].dst_reg = BPF_REG_0;
  instructions[0].imm = SK_PASS;
  instructions[1].code = BPF_JMP | BPF_EXIT;
  static const char kLicense[] = "Apache-2.0";
  bpf_attr attributes;
  std::memset(&attributes, 0, sizeof(attributes));
  attributes.prog_type = BPF_PROG_TYPE_SK_REUSEPORT;
  attributes.expected_attach_type = BPF_SK_REUSEPORT_SELECT_OR_MIGRATE;
  attributes.insns = reinterpret_cast<uint64_t>(instructions);
  attributes.insn_cnt = 2;
  attributes.license = reinterpret_cast<uint64_t>(kLicense);
  return static_cast<int>(syscall(__NR_bpf, BPF_PROG_LOAD, &attributes, sizeof(attributes)));
}

bool IsListenerOnPort(int fd, int port) {
  struct stat status;
  if (fstat(fd, &status) != 0 || !S_ISSOCK(status.st_mode)) return false;
  int listening = 0;
  socklen_t length = sizeof(listening);
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || listening == 0) return false;
  sockaddr_storage address;
  length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port) == port;
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port) == port;
  return false;
}

/** Returns { attached: listeners the program went onto, error: null or why it could not }. */
Napi::Value EnableListenerMigration(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("attached", Napi::Number::New(env, 0));
  result.Set("error", env.Null());
  if (info.Length() < 1 || !info[0].IsNumber()) {
    result.Set("error", Napi::String::New(env, "enableListenerMigration(port) needs a port number"));
    return result;
  }
  const int port = info[0].As<Napi::Number>().Int32Value();
  const int program = LoadPassProgram();
  if (program < 0) {
    result.Set("error",
               Napi::String::New(env, std::string("loading the eBPF program failed: ") + std::strerror(errno)));
    return result;
  }
  int attached = 0;
  int lastError = 0;
  if (DIR* descriptors = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(descriptors)) {
      const int fd = std::atoi(entry->d_name);
      if (entry->d_name[0] == '.' || fd == dirfd(descriptors) || fd == program || !IsListenerOnPort(fd, port)) continue;
      if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &program, sizeof(program)) == 0) {
        attached++;
      } else {
        lastError = errno;
      }
    }
    closedir(descriptors);
  } else {
    lastError = errno;
  }
  // The group holds its own reference to the program.
  close(program);
  result.Set("attached", Napi::Number::New(env, attached));
  if (attached == 0) {
    const std::string reason = lastError != 0 ? std::strerror(lastError) : "no listener of this process on that port";
    result.Set("error", Napi::String::New(env, "attaching the eBPF program failed: " + reason));
  }
  return result;
}

}  // namespace

void InitReuseportMigration(Napi::Env env, Napi::Object exports) {
  exports.Set("enableListenerMigration", Napi::Function::New(env, EnableListenerMigration, "enableListenerMigration"));
}

}  // namespace fulcrum
