// A stage's command as one line of text: what the store records, the terminal shows and the
// cache compares ("command changed"). A shell command as written (after interpolation); an argv
// list with each word quoted for /bin/sh, so the line can be pasted into a shell.
#pragma once

#include <string>

#include "spec/pipeline.hpp"

namespace mlops {

std::string stage_command_text(const Stage& stage);

}  // namespace mlops
