#include "app/cache_verify.hpp"

#include "app/cache_lock.hpp"

namespace mlops {

Result<VerifyStats> verify_cache(Workspace& space) {
  MLOPS_TRY(lock, acquire_cache_use(space));
  return space.objects().verify();
}

}  // namespace mlops
