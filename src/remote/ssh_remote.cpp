// The SSH/SFTP remote (being written: issue 16).
#include <fmt/format.h>

#include "remote/remote.hpp"

namespace mlops {

Result<std::unique_ptr<Remote>> open_ssh_remote(const std::string& url) {
  return Error(ErrorKind::Usage, fmt::format("SSH/SFTP remotes ({}) are not available yet", url));
}

}  // namespace mlops
