#include "engine/background_saver.hpp"

#include <map>
#include <utility>

namespace mlops {
namespace {

// The worker's memo: what it learnt in this job (a directory's files, hashed and then saved, are
// read once), kept to be handed to the real memo by the run loop's thread.
class JobMemo final : public DigestMemo {
 public:
  explicit JobMemo(SaveJob& job) : m_job(job) {}
  std::optional<Digest> find(const std::string& path, const FileIdentity& identity) override {
    auto it = m_known.find(path);
    if (it == m_known.end() || !(it->second.first == identity)) {
      return std::nullopt;
    }
    return it->second.second;
  }
  void remember(const std::string& path, const FileIdentity& identity, const Digest& digest,
                bool settled) override {
    m_known[path] = {identity, digest};
    m_job.learnt.emplace_back(path, identity, digest, settled);
  }

 private:
  SaveJob& m_job;
  std::map<std::string, std::pair<FileIdentity, Digest>> m_known;
};

}  // namespace

BackgroundSaver::~BackgroundSaver() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void BackgroundSaver::submit(SaveJob job) {
  {
    std::lock_guard lock(m_mutex);
    m_queue.push_back(std::move(job));
  }
  ++m_pending;
  if (!m_thread.joinable()) {
    m_thread = std::thread([this] { work(); });
  }
  m_changed.notify_all();
}

std::vector<SaveJob> BackgroundSaver::take_done(bool wait) {
  std::unique_lock lock(m_mutex);
  if (wait && m_pending > 0) {
    m_changed.wait(lock, [&] { return !m_done.empty(); });
  }
  std::vector<SaveJob> done = std::move(m_done);
  m_done.clear();
  m_pending -= done.size();
  return done;
}

void BackgroundSaver::work() {
  std::unique_lock lock(m_mutex);
  while (true) {
    m_changed.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
    if (m_queue.empty()) {
      return;  // stopping, and nothing left to do
    }
    SaveJob job = std::move(m_queue.front());
    m_queue.pop_front();
    lock.unlock();
    JobMemo memo(job);
    for (auto& output : job.outputs) {
      output.stored = m_objects.store(output.path, output.link, &memo);
    }
    lock.lock();
    m_done.push_back(std::move(job));
    m_changed.notify_all();
  }
}

}  // namespace mlops
