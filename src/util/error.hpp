// Error and Result: how the core reports failure without exceptions.
//
// Modules return Result<T> (a value or an Error) or Status (success or an Error). Exceptions
// thrown by third-party libraries are caught inside the one adapter that wraps each library and
// turned into an Error, so callers only ever see this type. The CLI maps an ErrorKind to an
// exit code in one place (cli/exit_codes.hpp).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace mlops {

enum class ErrorKind {
  InvalidSpec,  // the pipeline file is wrong; the message says where and how
  Usage,        // the command line is wrong
  NotFound,     // a file or object the user named does not exist
  Io,           // the operating system refused a read, write or spawn
  Conflict,     // another process changed what this one expected to change
  Busy,         // another process holds a lock this one did not wait for (try again later)
  Corrupt,      // stored data failed verification: a cache object whose bytes do not match its
                // digest, a malformed manifest, a stored path leading out of the workspace
  Internal,     // a bug in mlops
};

class Error {
 public:
  Error(ErrorKind kind, std::string message) : m_kind(kind), m_message(std::move(message)) {}

  ErrorKind kind() const { return m_kind; }
  const std::string& message() const { return m_message; }

 private:
  ErrorKind m_kind;
  std::string m_message;
};

// A value of type T, or the Error that prevented computing it.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_state(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : m_state(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(m_state); }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<T>(m_state);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(m_state);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(m_state));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(m_state);
  }

 private:
  std::variant<T, Error> m_state;
};

// Success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : m_error(std::move(error)), m_failed(true) {}  // NOLINT: implicit by design

  static Status success() { return Status(); }

  bool ok() const { return !m_failed; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(m_failed);
    return m_error;
  }

 private:
  Error m_error{ErrorKind::Internal, ""};
  bool m_failed = false;
};

}  // namespace mlops

// Evaluates `expression` (a Result) into `name`; returns its error from the enclosing function
// (which returns a Result or a Status) when it failed.
#define MLOPS_TRY(name, expression) \
  auto name = (expression);         \
  if (!name.ok())                   \
  return name.error()

// Evaluates a Status; returns its error from the enclosing function when it failed.
#define MLOPS_CHECK(expression)                   \
  do {                                            \
    ::mlops::Status mlops_status_ = (expression); \
    if (!mlops_status_.ok())                      \
      return mlops_status_.error();               \
  } while (false)
