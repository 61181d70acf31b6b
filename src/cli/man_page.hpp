// The manual page mlops(1), generated from the command-line definition (app.cpp builds the
// CommandModel from CLI11, as for the completion scripts), so it lists every subcommand and option
// with the same help texts as `--help` and cannot fall behind them. One page holds every command:
// `mlops man` prints it, and the build writes it to build/man/mlops.1 for `cmake --install`.
#pragma once

#include <string>
#include <string_view>

#include "cli/completion.hpp"

namespace mlops {

// The page in roff with the man(7) macros. `version` goes in the page's header ("mlops 0.1.0").
// The text holds no date or path, so the same binary always prints the same page.
std::string man_page(const CommandModel& root, std::string_view version);

}  // namespace mlops
