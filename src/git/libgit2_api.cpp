#include "git/libgit2_api.hpp"

#include <dlfcn.h>

#include <optional>

#include <fmt/format.h>

namespace mlops::git_detail {
namespace {

// What the user installs to get `soname` (configured from the package that holds the library
// the build found; Debian names the package after the soname otherwise).
std::string what_to_install(const std::string& soname) {
#ifdef MLOPS_LIBGIT2_PACKAGE
  if (soname == MLOPS_LIBGIT2_SONAME) {
    return fmt::format("the Debian package {0} (apt-get install {0})", MLOPS_LIBGIT2_PACKAGE);
  }
#endif
  return fmt::format("the package that provides {}", soname);
}

Error load_error(const std::string& soname, const std::string& why) {
  return Error(ErrorKind::Io,
               fmt::format("cannot load libgit2 ({}), which mlops uses to read git repositories: "
                           "{}\n  install {}",
                           soname, why, what_to_install(soname)));
}

// Holds the process's table, or why it could not be loaded.
struct Loaded {
  std::unique_ptr<Libgit2> table;
  std::optional<Error> error;
};

const Loaded& loaded() {
  static const Loaded once = [] {
    Loaded result;
    auto opened = open_libgit2(libgit2_soname());
    if (!opened.ok()) {
      result.error = opened.error();
      return result;
    }
    result.table = std::move(*opened);
    // Negative on failure (out of memory, no thread support): nothing else would work either.
    if (result.table->git_libgit2_init() < 0) {
      result.error = load_error(libgit2_soname(), "git_libgit2_init failed");
      result.table.reset();
    }
    return result;
  }();
  return once;
}

}  // namespace

const char* libgit2_soname() {
  return MLOPS_LIBGIT2_SONAME;
}

Result<std::unique_ptr<Libgit2>> open_libgit2(const std::string& soname) {
  // RTLD_LOCAL: libgit2's dependencies (OpenSSL, PCRE2, ...) stay out of the global namespace.
  void* handle = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return load_error(soname, why ? why : "dlopen failed");
  }
  auto table = std::make_unique<Libgit2>();
#define MLOPS_LIBGIT2_RESOLVE(name)                                          \
  table->name = reinterpret_cast<decltype(&::name)>(::dlsym(handle, #name)); \
  if (table->name == nullptr) {                                              \
    ::dlclose(handle);                                                       \
    return load_error(soname, "it has no function " #name                    \
                              " (a libgit2 older than the one "              \
                              "mlops was built with?)");                     \
  }
  MLOPS_LIBGIT2_FUNCTIONS(MLOPS_LIBGIT2_RESOLVE)
#undef MLOPS_LIBGIT2_RESOLVE
  return table;
}

Result<const Libgit2*> load_libgit2() {
  const Loaded& state = loaded();
  if (state.error) {
    return *state.error;
  }
  return static_cast<const Libgit2*>(state.table.get());
}

const Libgit2& libgit2() {
  return *loaded().table;
}

}  // namespace mlops::git_detail
