// What a user says about a run: its name, tags and note (`mlops run --name/--tag/--note`, `mlops
// runs tag`, `mlops runs note`), checked here before anything is written.
//
// The rules (docs/cli.md, "Run names and tags"):
//   - a name: 1 to 64 characters, letters, digits, '.', '_' and '-', starting with a letter (so it
//     is never taken for a run id, which starts with a digit), and not `latest`;
//   - a tag key: 1 to 64 characters, letters, digits, '.', '_' and '-', starting with a letter or
//     '_' (`team`, `data.version`);
//   - a tag value: free text up to 256 bytes of UTF-8 without control characters (may be empty);
//   - a note: up to 4,096 bytes of UTF-8; tabs and line breaks are its only control characters.
// None of them is ever passed to a shell or interpreted: they are stored and printed as given
// (escaped by each output format).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

// Usage, saying what is wrong and the rule, when the text breaks the rules above.
Status check_run_name(const std::string& name);
Status check_tag_key(const std::string& key);
Status check_tag_value(const std::string& key, const std::string& value);
Status check_run_note(const std::string& note);

// `KEY=VALUE` arguments as tags (the first '=' splits). Usage when one is malformed or breaks
// the rules, or a key is given twice.
Result<std::map<std::string, std::string>> parse_tags(const std::vector<std::string>& arguments);

// What a run is called and tagged with when it starts (`mlops run --name --tag --note`).
struct RunLabels {
  std::optional<std::string> name;
  std::vector<std::string> tags;  // KEY=VALUE
  std::optional<std::string> note;
};

// Checks the labels and sets them on `record`. Usage as the checks above: nothing is set.
Status apply_run_labels(const RunLabels& labels, RunRecord& record);

// What `mlops runs tag RUN k=v... [--remove k]` asks for.
struct TagChange {
  std::string run;  // a run name as resolve_run takes it
  std::vector<std::string> set;
  std::vector<std::string> remove;
};

// Applies a tag change in one transaction; returns the run's id. Usage for bad tags or a key
// both set and removed, or nothing to do; what resolve_run returns for a bad run name.
Result<std::string> change_run_tags(MetadataStore& store, const TagChange& change);

// Sets (or, with an empty text, clears) a run's note; returns the run's id. Errors as above.
Result<std::string> change_run_note(MetadataStore& store, const std::string& run,
                                    const std::string& note);

}  // namespace mlops
