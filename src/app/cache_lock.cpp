#include "app/cache_lock.hpp"

namespace mlops {

Result<CacheUseLock> acquire_cache_use(const Workspace& space) {
  MLOPS_TRY(lock, FileLock::acquire(space.cache_lock_path(), LockMode::Shared));
  return CacheUseLock(std::move(*lock));
}

Result<std::optional<CacheSweepLock>> try_acquire_cache_sweep(const Workspace& space) {
  MLOPS_TRY(lock, FileLock::try_acquire(space.cache_lock_path(), LockMode::Exclusive));
  if (!lock->has_value()) {
    return std::optional<CacheSweepLock>();
  }
  return std::optional<CacheSweepLock>(CacheSweepLock(std::move(**lock)));
}

Result<CacheSweepLock> acquire_cache_sweep(const Workspace& space,
                                           const std::function<void()>& on_wait) {
  MLOPS_TRY(attempt, try_acquire_cache_sweep(space));
  if (attempt->has_value()) {
    return std::move(**attempt);
  }
  if (on_wait) {
    on_wait();
  }
  MLOPS_TRY(lock, FileLock::acquire(space.cache_lock_path(), LockMode::Exclusive));
  return CacheSweepLock(std::move(*lock));
}

}  // namespace mlops
