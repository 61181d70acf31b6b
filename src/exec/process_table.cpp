#include "exec/process_table.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <map>
#include <set>

#include "util/unique_fd.hpp"

namespace mlops {
namespace {

// The whole of a small /proc file (up to `limit` bytes); empty when it cannot be read.
std::string read_proc_file(const std::string& path, size_t limit = 1 << 20) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::string text;
  if (!fd.valid()) {
    return text;
  }
  char buffer[4096];
  while (text.size() < limit) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

template <typename Number>
bool parse_number(std::string_view text, Number& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// The numeric entries of a /proc directory (processes, or a process's threads).
std::vector<pid_t> numeric_entries(const std::string& directory) {
  std::vector<pid_t> ids;
  DIR* dir = ::opendir(directory.c_str());
  if (!dir) {
    return ids;
  }
  while (const dirent* entry = ::readdir(dir)) {
    pid_t id = 0;
    if (parse_number(std::string_view(entry->d_name), id) && id > 0) {
      ids.push_back(id);
    }
  }
  ::closedir(dir);
  return ids;
}

// The children of `pid` from /proc/PID/task/*/children; nothing when the kernel lacks them.
std::optional<std::vector<pid_t>> children_of(pid_t pid) {
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  std::vector<pid_t> children;
  bool any = false;
  for (pid_t tid : numeric_entries(task_dir)) {
    std::string path = task_dir + "/" + std::to_string(tid) + "/children";
    if (::access(path.c_str(), R_OK) != 0) {
      continue;
    }
    any = true;
    std::string text = read_proc_file(path);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find(' ', start);
      end = end == std::string::npos ? text.size() : end;
      pid_t child = 0;
      if (parse_number(std::string_view(text).substr(start, end - start), child)) {
        children.push_back(child);
      }
      start = end + 1;
    }
  }
  if (!any) {
    return std::nullopt;
  }
  return children;
}

std::optional<std::string> process_tags(pid_t pid) {
  std::string block = read_proc_file("/proc/" + std::to_string(pid) + "/environ", 4 << 20);
  return environment_value(block, k_process_tags_variable);
}

std::set<pid_t> self_and_ancestors() {
  std::set<pid_t> pids;
  for (pid_t pid = ::getpid(); pid > 0 && pids.insert(pid).second;) {
    auto info = read_process_info(pid);
    pid = info ? info->ppid : 0;
  }
  return pids;
}

// Whether `process` belongs to one of the selector's sessions or groups.
bool in_leader_session(const ProcessInfo& process, const std::vector<ProcessIdentity>& leaders) {
  for (const auto& leader : leaders) {
    if ((process.sid == leader.pid || process.pgid == leader.pid) &&
        process.start_ticks >= leader.start_ticks) {
      return true;
    }
  }
  return false;
}

// The leaders whose pid has not been reused: gone, or still the same process.
std::vector<ProcessIdentity> valid_leaders(const std::vector<ProcessIdentity>& leaders) {
  std::vector<ProcessIdentity> valid;
  for (const auto& leader : leaders) {
    auto now = read_process_info(leader.pid);
    if (leader.pid > 1 && (!now || now->start_ticks == leader.start_ticks)) {
      valid.push_back(leader);
    }
  }
  return valid;
}

// One round: the live processes the selector names, and their descendants among `processes`.
std::vector<ProcessInfo> select_leftovers(const std::vector<ProcessInfo>& processes,
                                          const LeftoverSelector& selector,
                                          const std::vector<ProcessIdentity>& leaders,
                                          const std::set<pid_t>& spared) {
  std::set<pid_t> chosen;
  for (const auto& process : processes) {
    if (process.state == 'Z' || spared.count(process.pid)) {
      continue;
    }
    if (in_leader_session(process, leaders)) {
      chosen.insert(process.pid);
      continue;
    }
    if (!selector.tag.empty()) {
      auto tags = process_tags(process.pid);
      if (tags && tags_contain(*tags, selector.tag, selector.tag_match)) {
        chosen.insert(process.pid);
      }
    }
  }
  // Descendants of a chosen process are the stage's too, whatever their session or environment.
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& process : processes) {
      if (process.state != 'Z' && !spared.count(process.pid) && chosen.count(process.ppid) &&
          chosen.insert(process.pid).second) {
        grew = true;
      }
    }
  }
  std::vector<ProcessInfo> selected;
  for (const auto& process : processes) {
    if (chosen.count(process.pid)) {
      selected.push_back(process);
    }
  }
  return selected;
}

}  // namespace

std::optional<ProcessInfo> parse_proc_stat(std::string_view text) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  ProcessInfo info;
  if (!parse_number(text.substr(0, open == 0 ? 0 : open - 1), info.pid) || info.pid <= 0) {
    return std::nullopt;
  }
  // Fields 3.. after ") ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
  // cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime ...
  std::vector<std::string_view> fields;
  size_t start = close + 1;
  while (start < text.size() && fields.size() < 20) {
    while (start < text.size() && (text[start] == ' ' || text[start] == '\n')) {
      ++start;
    }
    size_t end = text.find_first_of(" \n", start);
    end = end == std::string_view::npos ? text.size() : end;
    if (end > start) {
      fields.push_back(text.substr(start, end - start));
    }
    start = end;
  }
  if (fields.size() < 20 || fields[0].size() != 1) {
    return std::nullopt;
  }
  info.state = fields[0][0];
  if (!parse_number(fields[1], info.ppid) || !parse_number(fields[2], info.pgid) ||
      !parse_number(fields[3], info.sid) || !parse_number(fields[19], info.start_ticks)) {
    return std::nullopt;
  }
  return info;
}

std::optional<ProcessInfo> read_process_info(pid_t pid) {
  if (pid <= 0) {
    return std::nullopt;
  }
  return parse_proc_stat(read_proc_file("/proc/" + std::to_string(pid) + "/stat"));
}

ProcessIdentity self_identity() {
  auto self = read_process_info(::getpid());
  return {::getpid(), self ? self->start_ticks : 0};
}

std::string boot_id() {
  std::string id = read_proc_file("/proc/sys/kernel/random/boot_id", 256);
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) {
    id.pop_back();
  }
  return id;
}

std::optional<std::string> environment_value(std::string_view block, std::string_view name) {
  size_t start = 0;
  while (start < block.size()) {
    size_t end = block.find('\0', start);
    end = end == std::string_view::npos ? block.size() : end;
    std::string_view entry = block.substr(start, end - start);
    if (entry.size() > name.size() && entry.substr(0, name.size()) == name &&
        entry[name.size()] == '=') {
      return std::string(entry.substr(name.size() + 1));
    }
    start = end + 1;
  }
  return std::nullopt;
}

bool tags_contain(std::string_view tags, std::string_view tag, TagMatch match) {
  if (tag.empty()) {
    return false;
  }
  size_t start = 0;
  while (start <= tags.size()) {
    size_t end = tags.find(',', start);
    end = end == std::string_view::npos ? tags.size() : end;
    std::string_view entry = tags.substr(start, end - start);
    if (match == TagMatch::Exact ? entry == tag : entry.starts_with(tag)) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

std::vector<ProcessInfo> all_processes() {
  std::vector<ProcessInfo> processes;
  for (pid_t pid : numeric_entries("/proc")) {
    if (auto info = read_process_info(pid)) {
      processes.push_back(*info);
    }
  }
  return processes;
}

std::vector<ProcessInfo> descendants_of(pid_t root) {
  std::vector<ProcessInfo> found;
  if (!children_of(root)) {
    // No children files: walk parent links over every process.
    std::vector<ProcessInfo> everyone = all_processes();
    std::set<pid_t> inside{root};
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& process : everyone) {
        if (inside.count(process.ppid) && inside.insert(process.pid).second) {
          found.push_back(process);
          grew = true;
        }
      }
    }
    return found;
  }
  std::vector<pid_t> pending{root};
  std::set<pid_t> seen{root};
  while (!pending.empty()) {
    pid_t parent = pending.back();
    pending.pop_back();
    for (pid_t child : children_of(parent).value_or(std::vector<pid_t>{})) {
      auto info = read_process_info(child);
      if (info && seen.insert(child).second) {
        found.push_back(*info);
        pending.push_back(child);
      }
    }
  }
  return found;
}

bool signal_if_same(const ProcessIdentity& process, int signal) {
  if (process.pid <= 1) {
    return false;
  }
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, process.pid, 0)));
  if (pidfd.valid()) {
    // The pidfd pins the process: if it is the same one now, the signal reaches it and no other.
    auto now = read_process_info(process.pid);
    if (!now || now->start_ticks != process.start_ticks) {
      return false;
    }
    return ::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0) == 0;
  }
  if (errno != ENOSYS) {
    return false;  // gone (ESRCH), or not ours to open
  }
#endif
  // Kernels before 5.3: check, then signal (a pid is reused only after ~4 million others).
  auto now = read_process_info(process.pid);
  return now && now->start_ticks == process.start_ticks && ::kill(process.pid, signal) == 0;
}

size_t kill_leftovers(const LeftoverSelector& selector, LeftoverScope scope) {
  std::vector<ProcessIdentity> leaders = valid_leaders(selector.leaders);
  if (leaders.empty() && selector.tag.empty()) {
    return 0;
  }
  std::set<pid_t> spared = self_and_ancestors();
  spared.insert(1);
  // A process being killed may have forked just before: its children show up in the next round.
  // A round that finds nothing not signalled already ends it.
  std::set<std::pair<pid_t, uint64_t>> signalled;
  constexpr int k_rounds = 20;
  for (int round = 0; round < k_rounds; ++round) {
    std::vector<ProcessInfo> processes =
        scope == LeftoverScope::Descendants ? descendants_of(::getpid()) : all_processes();
    bool found_new = false;
    for (const auto& process : select_leftovers(processes, selector, leaders, spared)) {
      if (signalled.count({process.pid, process.start_ticks})) {
        continue;
      }
      found_new = true;
      if (signal_if_same({process.pid, process.start_ticks}, SIGKILL)) {
        signalled.insert({process.pid, process.start_ticks});
      }
    }
    if (!found_new) {
      break;
    }
  }
  size_t killed = signalled.size();
  return killed;
}

}  // namespace mlops
