# Precompiled headers (MLOPS_PCH, on by default): CI builds mlops three times on two cores, and
# half of every translation unit's compile time was parsing the same few headers again
# (nlohmann/json.hpp alone takes 4 s, gtest.h 2.4 s, fmt 1.2 s). Each target precompiles them once
# and every source of the target starts from that. The headers are included in every source of a
# target, so a source that forgets an include still builds here; the fuzz build (MLOPS_PCH=OFF in
# scripts/fuzz.sh) builds every module without them and catches that.
#
# ccache caches these compiles only with `sloppiness = pch_defines,time_macros` (ccache(1),
# "Precompiled headers"); without it ccache compiles them every time, which is still correct.
set(MLOPS_PCH_HEADERS
    <algorithm> <chrono> <cstdint> <filesystem> <functional> <map> <memory> <optional> <set>
    <string> <string_view> <unordered_map> <utility> <vector> <fmt/format.h> <nlohmann/json.hpp>)

# mlops_precompile(TARGET [GTEST]): TARGET's sources start from the common headers (and gtest.h).
function(mlops_precompile target)
  if(NOT MLOPS_PCH)
    return()
  endif()
  cmake_parse_arguments(P "GTEST" "" "" ${ARGN})
  set(headers ${MLOPS_PCH_HEADERS})
  if(P_GTEST)
    list(APPEND headers <gtest/gtest.h>)
  endif()
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()
