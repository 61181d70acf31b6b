// A stage's fingerprint: the digest of everything that decides what the stage produces.
//
// Fields, each tagged and length-prefixed behind a format salt (so adding a field never makes
// two different inputs collide, and changing the format invalidates old fingerprints at once):
//   command kind; the command after interpolation (or each argv item); each env variable the
//   pipeline or stage declares (name and value; values only ever enter the digest, never the
//   store); each parameter the stage references or declares in `params:` (name and value; no
//   other parameter, so editing one key of a params file changes only its users); each dep (path
//   and content digest, "missing" when absent); each out (path and declared type); each metrics
//   path; the working directory. Pinned by known-answer tests (fingerprint_test.cpp).
#pragma once

#include <map>
#include <string>

#include "spec/pipeline.hpp"

namespace mlops {

inline constexpr const char* k_fingerprint_salt = "mlops-stage-fingerprint-v1";

// `dep_digests`: workspace-relative dep path -> content digest (absent: the dep is missing).
std::string stage_fingerprint(const Stage& stage, const ParamMap& params,
                              const std::map<std::string, std::string>& dep_digests);

}  // namespace mlops
