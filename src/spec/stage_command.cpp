#include "spec/stage_command.hpp"

#include "util/shell_quote.hpp"

namespace mlops {

std::string stage_command_text(const Stage& stage) {
  if (stage.command_kind == CommandKind::Shell) {
    return stage.shell_command;
  }
  std::string text;
  for (const auto& arg : stage.argv) {
    text += (text.empty() ? "" : " ") + shell_quote(arg);
  }
  return text;
}

}  // namespace mlops
