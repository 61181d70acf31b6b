#include "app/data_watches.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

namespace mlops {
namespace {

constexpr uint32_t k_events = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                              IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

}  // namespace

DataWatches::DataWatches() : m_fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

void DataWatches::watch(const std::filesystem::path& directory, size_t owner) {
  int wd = ::inotify_add_watch(m_fd.get(), directory.c_str(), k_events | IN_ONLYDIR);
  if (wd >= 0) {
    m_owners[wd].insert(owner);
  }
}

void DataWatches::add(const std::filesystem::path& directory, bool recursive, size_t owner) {
  m_targets.push_back({directory, recursive, owner});
  if (!available()) {
    return;
  }
  std::error_code error;
  std::filesystem::path existing = directory;
  while (!std::filesystem::is_directory(existing, error) && existing.has_parent_path() &&
         existing != existing.parent_path()) {
    existing = existing.parent_path();
  }
  watch(existing, owner);
  if (!recursive || existing != directory) {
    return;
  }
  auto options = std::filesystem::directory_options::skip_permission_denied;
  for (auto it = std::filesystem::recursive_directory_iterator(directory, options, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    std::error_code type_error;
    if (it->is_directory(type_error)) {
      if (it->path().filename().string().starts_with(".")) {
        it.disable_recursion_pending();
        continue;
      }
      watch(it->path(), owner);
    }
  }
}

void DataWatches::rescan() {
  std::vector<Target> targets = std::move(m_targets);
  m_targets.clear();
  for (const auto& target : targets) {
    add(target.directory, target.recursive, target.owner);
  }
}

std::set<size_t> DataWatches::read_events() {
  std::set<size_t> owners;
  bool structure_changed = false;
  alignas(struct inotify_event) char buffer[16 * 1024];
  while (true) {
    ssize_t got = ::read(m_fd.get(), buffer, sizeof buffer);
    if (got <= 0) {
      break;  // EAGAIN: all read
    }
    for (char* p = buffer; p < buffer + got;) {
      auto* event = reinterpret_cast<struct inotify_event*>(p);
      auto it = m_owners.find(event->wd);
      if (it != m_owners.end()) {
        owners.insert(it->second.begin(), it->second.end());
      }
      if ((event->mask & IN_ISDIR) || (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) ||
          (event->mask & IN_IGNORED) || (event->mask & IN_Q_OVERFLOW)) {
        structure_changed = true;
      }
      if (event->mask & IN_Q_OVERFLOW) {
        for (const auto& target : m_targets) {
          owners.insert(target.owner);
        }
      }
      p += sizeof(struct inotify_event) + event->len;
    }
  }
  if (structure_changed) {
    rescan();  // a directory appeared or went: watch the new shape
  }
  return owners;
}

}  // namespace mlops
