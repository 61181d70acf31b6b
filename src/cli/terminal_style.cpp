#include "cli/terminal_style.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace mlops {
namespace {

bool is_smart_terminal(int fd) {
  const char* term = std::getenv("TERM");
  return ::isatty(fd) == 1 && !(term && std::strcmp(term, "dumb") == 0);
}

}  // namespace

TerminalStyle& terminal_style() {
  static TerminalStyle style;
  return style;
}

bool use_color(int fd) {
  switch (terminal_style().color) {
    case ColorMode::Always:
      return true;
    case ColorMode::Never:
      return false;
    case ColorMode::Auto:
      break;
  }
  const char* no_color = std::getenv("NO_COLOR");
  return !(no_color && *no_color) && is_smart_terminal(fd);
}

bool use_progress(int fd) {
  const TerminalStyle& style = terminal_style();
  return !style.no_progress && style.verbosity >= 0 && is_smart_terminal(fd);
}

}  // namespace mlops
