// Hashing and saving a stage's outputs on a thread of its own, so that the run loop starts the
// next stages meanwhile (OutputCache::finish_in_background).
//
// The worker touches only the files and the object cache (ObjectStore is safe to use from two
// threads); never the metadata store, the digest memo or a report. What the memo should learn is
// handed back with the results and applied by the run loop's thread, which also fills the
// report: a stage counts as finished, and is recorded, only once its outputs are in the cache
// (or the failure to put them there is a warning). The thread starts with the first job and ends
// when the saver is destroyed, after the jobs already queued.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "cache/object_store.hpp"

namespace mlops {

// One output to save, and what came of it.
struct OutputToSave {
  std::filesystem::path path;  // absolute
  CacheLink link = CacheLink::Copy;
  Result<StoredVersion> stored = Error(ErrorKind::Internal, "not saved yet");
};

// A stage's outputs, and the digests the worker learnt (path, identity, digest, settled).
struct SaveJob {
  size_t stage = 0;
  std::vector<OutputToSave> outputs;
  std::vector<std::tuple<std::string, FileIdentity, Digest, bool>> learnt;
};

class BackgroundSaver {
 public:
  explicit BackgroundSaver(ObjectStore& objects) : m_objects(objects) {}
  ~BackgroundSaver();
  BackgroundSaver(const BackgroundSaver&) = delete;
  BackgroundSaver& operator=(const BackgroundSaver&) = delete;

  void submit(SaveJob job);
  // The jobs done since the last call; with `wait`, blocks until there is at least one (returns
  // at once when none is pending).
  std::vector<SaveJob> take_done(bool wait);
  // Jobs submitted and not taken back yet.
  size_t pending() const { return m_pending; }

 private:
  void work();

  ObjectStore& m_objects;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<SaveJob> m_queue;
  std::vector<SaveJob> m_done;
  bool m_stopping = false;
  size_t m_pending = 0;  // run loop's thread only
  std::thread m_thread;
};

}  // namespace mlops
