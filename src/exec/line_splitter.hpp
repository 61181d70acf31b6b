// Cuts a byte stream into whole lines with bounded memory.
#pragma once

#include <string>
#include <string_view>

namespace mlops {

class LineSplitter {
 public:
  // A line longer than `max_line` bytes is passed on in pieces of that size, each given a '\n',
  // so a process that never writes a newline cannot make memory grow.
  explicit LineSplitter(size_t max_line = 64 * 1024) : m_max_line(max_line) {}

  // Adds `data`. Calls emit(block) with every line completed so far, as one block of lines each
  // ending in '\n' (nothing when no line was completed).
  template <typename Emit>
  void feed(std::string_view data, Emit emit) {
    size_t last_newline = data.rfind('\n');
    if (last_newline == std::string_view::npos) {
      m_partial.append(data);
      flush_long_partial(emit);
      return;
    }
    if (m_partial.empty()) {
      emit(data.substr(0, last_newline + 1));
    } else {
      m_partial.append(data.substr(0, last_newline + 1));
      emit(std::string_view(m_partial));
      m_partial.clear();
    }
    m_partial.append(data.substr(last_newline + 1));
    flush_long_partial(emit);
  }

  // Emits the unterminated last line, if any, with a '\n' added.
  template <typename Emit>
  void finish(Emit emit) {
    if (!m_partial.empty()) {
      m_partial += '\n';
      emit(std::string_view(m_partial));
      m_partial.clear();
    }
  }

 private:
  template <typename Emit>
  void flush_long_partial(Emit emit) {
    while (m_partial.size() >= m_max_line) {
      std::string piece = m_partial.substr(0, m_max_line) + '\n';
      m_partial.erase(0, m_max_line);
      emit(std::string_view(piece));
    }
  }

  size_t m_max_line;
  std::string m_partial;
};

}  // namespace mlops
