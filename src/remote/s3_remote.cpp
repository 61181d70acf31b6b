// The S3 remote (being written: issue 16).
#include <fmt/format.h>

#include "remote/remote.hpp"

namespace mlops {

Result<std::unique_ptr<Remote>> open_s3_remote(const std::string& url) {
  return Error(ErrorKind::Usage, fmt::format("S3 remotes ({}) are not available yet", url));
}

}  // namespace mlops
