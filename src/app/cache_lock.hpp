// The cache lock: keeps gc from sweeping the object cache while a run is adding to it.
//
// Protocol (<workspace>/.mlops/locks/cache.lock, an flock that is never removed):
// - A run holds it SHARED (CacheUseLock) from before it creates its log directory and records
//   itself as running until its recorder has committed the references to every object it saved
//   (in practice: for the whole run). Any number of runs, and checkouts, share it.
// - gc holds it EXCLUSIVELY (CacheSweepLock) while it reads the runs, computes the live set,
//   sweeps objects and removes log directories. So an object a stage has just written, whose
//   reference is still in the recorder's next batch, is never swept; and a run started during a
//   gc waits until the gc is done.
// The kernel drops the lock when its process dies, however it dies.
#pragma once

#include <functional>
#include <optional>

#include "app/workspace.hpp"
#include "util/file_lock.hpp"

namespace mlops {

// Held shared by a run (or a checkout) while it writes or reads objects; released on
// destruction. Moved, never copied.
class CacheUseLock {
 public:
  explicit CacheUseLock(FileLock lock) : m_lock(std::move(lock)) {}

 private:
  FileLock m_lock;
};

// Takes the cache lock shared, waiting while a gc holds it (a gc takes seconds). Io when the
// lock file cannot be created.
Result<CacheUseLock> acquire_cache_use(const Workspace& space);

// Held exclusively by gc while it sweeps.
class CacheSweepLock {
 public:
  explicit CacheSweepLock(FileLock lock) : m_lock(std::move(lock)) {}

 private:
  FileLock m_lock;
};

// Takes the cache lock exclusively. When runs hold it, calls `on_wait` once (for the front end
// to say so), then waits for them to finish. Io when the lock file cannot be created.
Result<CacheSweepLock> acquire_cache_sweep(const Workspace& space,
                                           const std::function<void()>& on_wait);

// The same without waiting: nothing while runs hold it.
Result<std::optional<CacheSweepLock>> try_acquire_cache_sweep(const Workspace& space);

}  // namespace mlops
