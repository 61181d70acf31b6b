// Writing JSON documents that never fail on the text they carry.
//
// nlohmann::json::dump() throws type_error 316 when a string holds bytes that are not UTF-8.
// Paths and names from pipeline files are checked at `mlops check` time, but a store row, a
// file name found on disk or a stage's output can still hold such bytes, and one of them must
// not turn every `--json` command into an internal error. Every dump of data goes through
// json_text, which writes U+FFFD for each invalid byte instead.
//
// A template, so that util/ does not depend on nlohmann/json: the modules that use it already do.
#pragma once

#include <string>

namespace mlops {

// `json` as text: compact by default, or indented by `indent` spaces per level.
template <class Json>
std::string json_text(const Json& json, int indent = -1) {
  return json.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace mlops
