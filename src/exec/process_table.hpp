// What Linux's /proc says about processes, and killing the processes a stage left behind.
//
// A stage's main process leads its own session and process group, and every process a stage
// starts carries MLOPS_PROCESS_TAGS in its environment: a comma-separated list of tags, one per
// ProcessRunner it descends from ("<mlops pid>.<mlops start ticks>.<serial>"). Together they find
// a stage's processes after its main process is gone: the members of its session or group
// (`a | b`, `cmd &`, a subshell), processes that left both with setsid (they keep the tag), and
// the descendants of either (even with the environment cleared).
//
// A pid alone never names a process: pids are reused. Every process is named by its pid and its
// start time in clock ticks after boot (/proc/PID/stat field 22), compared again just before the
// signal is sent through a pidfd, so a process that ended and whose pid was reused is never
// signalled.
//
// Everything here reads /proc and fails soft: a process that vanishes or cannot be read is skipped.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlops {

// The environment variable that carries a process's tags (see above).
inline constexpr std::string_view k_process_tags_variable = "MLOPS_PROCESS_TAGS";

// One process as /proc/PID/stat describes it.
struct ProcessInfo {
  pid_t pid = 0;
  char state = '?';  // R, S, D, Z (zombie), T, ...
  pid_t ppid = 0;
  pid_t pgid = 0;
  pid_t sid = 0;
  uint64_t start_ticks = 0;  // clock ticks after boot
};

// A process named so that a reused pid cannot be mistaken for it.
struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_ticks = 0;
};

// The fields of a /proc/PID/stat line. The command name (field 2) may hold spaces and
// parentheses, so the fields are counted after its last ')'. Nothing when the text is malformed.
std::optional<ProcessInfo> parse_proc_stat(std::string_view text);

// /proc/PID/stat of one process; nothing when it does not exist (or cannot be read).
std::optional<ProcessInfo> read_process_info(pid_t pid);

// This process's identity (for tags and for the run's owner).
ProcessIdentity self_identity();

// This boot's id (/proc/sys/kernel/random/boot_id), empty when unknown. Start times compare
// only within one boot.
std::string boot_id();

// The value of `name` in a NUL-separated environment block (as /proc/PID/environ holds it).
std::optional<std::string> environment_value(std::string_view block, std::string_view name);

// Whether a comma-separated tag list holds `tag` exactly, or (when `prefix`) a tag starting with
// it.
enum class TagMatch { Exact, Prefix };
bool tags_contain(std::string_view tags, std::string_view tag, TagMatch match);

// Every process that is a descendant of `root` (not `root` itself), found through
// /proc/PID/task/TID/children, or, where the kernel lacks those files, from every process's
// parent.
std::vector<ProcessInfo> descendants_of(pid_t root);
// Every process on the machine.
std::vector<ProcessInfo> all_processes();

// Sends `signal` to `process` if it is still the same process (pid and start time), through a
// pidfd so that the check and the signal concern the same process. False if it is gone or was
// not signalled.
bool signal_if_same(const ProcessIdentity& process, int signal);

// What belongs to a stage, or to all the stages of one mlops process (see the file comment).
struct LeftoverSelector {
  // Stage main processes: the members of their sessions and process groups that started no
  // earlier than they did. A leader whose pid now names another process is ignored.
  std::vector<ProcessIdentity> leaders;
  // Processes whose MLOPS_PROCESS_TAGS holds this tag (or a tag starting with it).
  std::string tag;
  TagMatch tag_match = TagMatch::Exact;
};

enum class LeftoverScope {
  Descendants,  // only descendants of this process (a live mlops, which is a child subreaper)
  Everywhere,   // every process (after the mlops that started them died)
};

// SIGKILLs every process the selector names, and their descendants, until none is left (a
// process may fork while it is being killed; bounded to a few rounds). Never this process or
// its ancestors. Returns how many processes were signalled.
size_t kill_leftovers(const LeftoverSelector& selector, LeftoverScope scope);

}  // namespace mlops
