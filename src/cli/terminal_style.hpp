// How mlops talks to a terminal: colours and the live status line, decided once from the
// command line (--color, --no-progress, -q, -v) and the environment, following clig.dev and
// no-color.org:
//   - colour and animation only when the stream is a terminal, never when NO_COLOR is set
//     (to anything but "") or TERM=dumb; --color=always and --color=never override that;
//   - the status line never when the output is not a terminal, or with --no-progress or -q.
#pragma once

namespace mlops {

enum class ColorMode { Auto, Always, Never };

struct TerminalStyle {
  ColorMode color = ColorMode::Auto;
  bool no_progress = false;
  int verbosity = 0;  // -1 quiet, 0 normal, 1 verbose
};

// The process's style, set by app.cpp from the command line.
TerminalStyle& terminal_style();

bool use_color(int fd);
bool use_progress(int fd);

}  // namespace mlops
