#include "app/run_labels.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "app/queries.hpp"
#include "util/utf8.hpp"

namespace mlops {
namespace {

constexpr size_t k_max_name = 64;
constexpr size_t k_max_tag_value = 256;
constexpr size_t k_max_note = 4096;

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_label_character(char c) {
  return is_letter(c) || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// The text as shown in a message: at most 40 bytes, control characters as '?'.
std::string shown(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 40)) {
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  }
  return text.size() > 40 ? out + "..." : out;
}

// The first control character (C0 or DEL) of `text` that `allowed` does not list.
std::optional<size_t> control_character(const std::string& text, const char* allowed) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 || c == 0x7f) &&
        std::string(allowed).find(static_cast<char>(c)) == std::string::npos) {
      return i;
    }
  }
  return std::nullopt;
}

Status check_label(const std::string& what, const std::string& text, bool underscore_first) {
  const char* rule = underscore_first
                         ? "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or '_'"
                         : "1 to 64 letters, digits, '.', '_' or '-', starting with a letter";
  bool first_ok = !text.empty() && (is_letter(text[0]) || (underscore_first && text[0] == '_'));
  bool rest_ok = text.size() <= k_max_name && std::all_of(text.begin(), text.end(), [](char c) {
                   return is_label_character(c);
                 });
  if (!first_ok || !rest_ok) {
    return Error(ErrorKind::Usage,
                 fmt::format("invalid {} '{}': write {}", what, shown(text), rule));
  }
  return Status::success();
}

}  // namespace

Status check_run_name(const std::string& name) {
  MLOPS_CHECK(check_label("run name", name, false));
  if (name == "latest") {
    return Error(ErrorKind::Usage,
                 "invalid run name 'latest': it already means the newest run; choose another");
  }
  return Status::success();
}

Status check_tag_key(const std::string& key) {
  return check_label("tag key", key, true);
}

Status check_tag_value(const std::string& key, const std::string& value) {
  if (value.size() > k_max_tag_value) {
    return Error(ErrorKind::Usage, fmt::format("the value of tag '{}' is {} bytes long; at most {}",
                                               key, value.size(), k_max_tag_value));
  }
  if (!is_valid_utf8(value) || control_character(value, "")) {
    return Error(ErrorKind::Usage,
                 fmt::format("the value of tag '{}' must be UTF-8 text without control characters "
                             "(tabs, line breaks, escapes)",
                             key));
  }
  return Status::success();
}

Status check_run_note(const std::string& note) {
  if (note.size() > k_max_note) {
    return Error(ErrorKind::Usage,
                 fmt::format("the note is {} bytes long; at most {}", note.size(), k_max_note));
  }
  if (!is_valid_utf8(note) || control_character(note, "\t\n\r")) {
    return Error(ErrorKind::Usage,
                 "the note must be UTF-8 text whose only control characters are tabs and line "
                 "breaks");
  }
  return Status::success();
}

Result<std::map<std::string, std::string>> parse_tags(const std::vector<std::string>& arguments) {
  std::map<std::string, std::string> tags;
  for (const std::string& argument : arguments) {
    size_t equals = argument.find('=');
    if (equals == std::string::npos) {
      return Error(ErrorKind::Usage, fmt::format("invalid tag '{}': write KEY=VALUE, such as "
                                                 "team=churn",
                                                 shown(argument)));
    }
    std::string key = argument.substr(0, equals);
    std::string value = argument.substr(equals + 1);
    MLOPS_CHECK(check_tag_key(key));
    MLOPS_CHECK(check_tag_value(key, value));
    if (!tags.emplace(key, value).second) {
      return Error(ErrorKind::Usage, fmt::format("tag '{}' is given twice", key));
    }
  }
  return tags;
}

Status apply_run_labels(const RunLabels& labels, RunRecord& record) {
  if (labels.name) {
    MLOPS_CHECK(check_run_name(*labels.name));
  }
  if (labels.note) {
    MLOPS_CHECK(check_run_note(*labels.note));
  }
  MLOPS_TRY(tags, parse_tags(labels.tags));
  record.name = labels.name;
  record.note = labels.note && !labels.note->empty() ? labels.note : std::nullopt;
  record.tags = std::move(*tags);
  return Status::success();
}

Result<std::string> change_run_tags(MetadataStore& store, const TagChange& change) {
  MLOPS_TRY(tags, parse_tags(change.set));
  for (const std::string& key : change.remove) {
    MLOPS_CHECK(check_tag_key(key));
    if (tags->count(key)) {
      return Error(ErrorKind::Usage, fmt::format("tag '{}' is both set and removed", key));
    }
  }
  if (tags->empty() && change.remove.empty()) {
    return Error(ErrorKind::Usage, "nothing to change: give KEY=VALUE tags or --remove KEY");
  }
  MLOPS_TRY(id, resolve_run(store, change.run));
  MLOPS_CHECK(store.update_run_tags(*id, *tags, change.remove));
  return *id;
}

Result<std::string> change_run_note(MetadataStore& store, const std::string& run,
                                    const std::string& note) {
  MLOPS_CHECK(check_run_note(note));
  MLOPS_TRY(id, resolve_run(store, run));
  MLOPS_CHECK(store.set_run_note(*id, note.empty() ? std::nullopt : std::optional(note)));
  return *id;
}

}  // namespace mlops
