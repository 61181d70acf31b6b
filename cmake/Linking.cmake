# How mlops links its libraries, chosen for start-up time (docs/performance.md, "Start-up").
#
# Each shared library costs the dynamic loader time at every start of mlops: mapping it and
# resolving its symbols. `mlops --version` or `mlops runs` does little else, so:
# - libgit2 is not linked at all but loaded when git is first needed (src/git/libgit2_api.hpp):
#   it and its dependencies (mbedTLS, libssh2, libcrypto, Kerberos, PCRE2, ...) cost ~7 ms.
# - With MLOPS_STATIC_DEPS (the default), the libraries Debian also ships as static archives
#   (SQLite, yaml-cpp, libxxhash, Boost.Filesystem) are linked from those, and fmt, which Debian
#   ships only as a shared library, is compiled in from its headers (src/util/fmt_library.cpp).
#   date-tz stays shared (Debian has no archive of it).
# Each choice falls back to the shared library when the archive is missing.
#
# Defines the targets the modules link: mlops::sqlite3, mlops::yaml-cpp, mlops::xxhash and
# MLOPS_FMT_LIBRARY (fmt::fmt, or nothing when fmt is compiled in: MLOPS_FMT_COMPILED_IN), and
# MLOPS_LIBGIT2_SONAME / MLOPS_LIBGIT2_PACKAGE. Boost.Filesystem must be found after this file
# (it sets Boost_USE_STATIC_LIBS).

option(MLOPS_STATIC_DEPS
       "Link SQLite, yaml-cpp, libxxhash, Boost.Filesystem and fmt into mlops (faster start-up)"
       ON)

# `target`: an imported library from `archive` (a file name such as libsqlite3.a) when static
# linking is on and the archive is there, else an alias of the shared `fallback` target.
function(mlops_static_or_shared target archive fallback)
  string(MAKE_C_IDENTIFIER "MLOPS_ARCHIVE_${archive}" cache_var)
  if(MLOPS_STATIC_DEPS)
    find_library(${cache_var} NAMES ${archive})
  endif()
  add_library(${target} INTERFACE IMPORTED)
  if(MLOPS_STATIC_DEPS AND ${cache_var})
    get_target_property(includes ${fallback} INTERFACE_INCLUDE_DIRECTORIES)
    if(includes)
      set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${includes}")
    endif()
    set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES
                                               "${${cache_var}};${ARGN}")
    message(STATUS "${target}: static, ${${cache_var}}")
  else()
    set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES ${fallback})
    message(STATUS "${target}: shared, ${fallback}")
  endif()
endfunction()

mlops_static_or_shared(mlops::sqlite3 libsqlite3.a SQLite::SQLite3 m ${CMAKE_DL_LIBS}
                       Threads::Threads)
mlops_static_or_shared(mlops::yaml-cpp libyaml-cpp.a yaml-cpp)
mlops_static_or_shared(mlops::xxhash libxxhash.a PkgConfig::LIBXXHASH)

# fmt: compiled in (one translation unit, as fmt's own library build does), or the shared one.
if(MLOPS_STATIC_DEPS AND EXISTS /usr/include/fmt/format-inl.h)
  set(MLOPS_FMT_COMPILED_IN ON)
  set(MLOPS_FMT_LIBRARY "")
  message(STATUS "fmt: compiled in from its headers")
else()
  set(MLOPS_FMT_COMPILED_IN OFF)
  set(MLOPS_FMT_LIBRARY fmt::fmt)
endif()

# Boost.Filesystem (for Boost.Process): from its archive when there is one.
find_library(MLOPS_ARCHIVE_BOOST_FILESYSTEM NAMES libboost_filesystem.a)
if(MLOPS_STATIC_DEPS AND MLOPS_ARCHIVE_BOOST_FILESYSTEM)
  set(Boost_USE_STATIC_LIBS ON)
endif()

# libgit2: its runtime name (SONAME), read from the library pkg-config found, and the Debian
# package that holds it (for the message when it cannot be loaded).
find_library(MLOPS_LIBGIT2_LIBRARY NAMES git2 HINTS ${LIBGIT2_LIBRARY_DIRS} REQUIRED)
find_program(MLOPS_READELF NAMES readelf ${CMAKE_READELF} REQUIRED)
execute_process(COMMAND ${MLOPS_READELF} -d ${MLOPS_LIBGIT2_LIBRARY}
                OUTPUT_VARIABLE MLOPS_LIBGIT2_DYNAMIC RESULT_VARIABLE MLOPS_READELF_RESULT)
if(NOT MLOPS_READELF_RESULT EQUAL 0
   OR NOT MLOPS_LIBGIT2_DYNAMIC MATCHES "\\(SONAME\\)[^[]*\\[([^]]+)\\]")
  message(FATAL_ERROR "cannot read the SONAME of ${MLOPS_LIBGIT2_LIBRARY} with ${MLOPS_READELF}")
endif()
set(MLOPS_LIBGIT2_SONAME ${CMAKE_MATCH_1})
get_filename_component(MLOPS_LIBGIT2_REAL ${MLOPS_LIBGIT2_LIBRARY} REALPATH)
execute_process(COMMAND dpkg-query -S ${MLOPS_LIBGIT2_REAL}
                OUTPUT_VARIABLE MLOPS_LIBGIT2_DPKG ERROR_QUIET RESULT_VARIABLE MLOPS_DPKG_RESULT)
if(MLOPS_DPKG_RESULT EQUAL 0 AND MLOPS_LIBGIT2_DPKG MATCHES "^([^:,]+)")
  set(MLOPS_LIBGIT2_PACKAGE ${CMAKE_MATCH_1})
endif()
message(STATUS "libgit2: loaded when needed as ${MLOPS_LIBGIT2_SONAME} (${MLOPS_LIBGIT2_PACKAGE})")
