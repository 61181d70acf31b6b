// `mlops run -S KEY=VALUE --save-params`: writing the values set on the command line back into
// the params files they came from (docs/pipeline-format.md, "Params files").
#pragma once

#include <string>
#include <vector>

#include "spec/pipeline.hpp"
#include "util/error.hpp"

namespace mlops {

// Writes each "KEY=VALUE" of `set_params` into the params file `pipeline` read KEY from,
// replacing only that value's text in the file (comments, order and the other values are kept
// byte for byte; spec/params_file.hpp). Every edit is checked before any file is written; each
// file is replaced atomically. Fails (Usage) when a key was not read from a params file (it is
// declared in the pipeline itself) or its value cannot be replaced in place, and (Io) when a
// file cannot be written; the file is then left as it was.
Status save_set_params(const Pipeline& pipeline, const std::vector<std::string>& set_params);

}  // namespace mlops
