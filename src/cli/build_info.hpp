// What the binary was built from, for `mlops --version`. The definition is generated on every
// build by cmake/BuildInfo.cmake into the build tree (one small .cpp, so a new commit recompiles
// only it).
#pragma once

#include <string_view>

namespace mlops {

// The short (12 hex digits) git commit of the source tree at build time, followed by "-dirty" when
// tracked files differed from it; "unknown" when built without git (from a source tarball).
std::string_view build_commit();

}  // namespace mlops
