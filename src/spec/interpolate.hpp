// `${namespace.name}` references in pipeline values, and quoting of what they expand to.
//
// A reference is `${` + an identifier + `.` + a name + `}`: `${params.lr}`, `${matrix.model}`,
// `${run.id}`, `${stage.name}`, `${pipeline.name}`. Anything else with a `$` is left alone, so
// shell syntax such as `$HOME`, `${HOME}` or `${x:-default}` reaches the shell untouched.
// `$${` writes a literal `${`.
//
// In shell commands (QuoteMode::Shell) each expanded value is quoted for the exact place it
// lands in (spec/shell_context.hpp): unquoted words are single-quoted (unless they need no
// quoting), values inside "..." have \ $ ` " escaped, values inside '...' have ' escaped, values
// in a # comment lose their line breaks, `$(...)` starts a fresh command, and a backquoted
// command is unescaped, expanded as a command of its own and escaped back. So a parameter
// `x; touch /tmp/pwned` always stays one literal argument, however the command around it is
// quoted. Where no quoting is safe (here-document text and words, $((...)), ${...}, $'...') a
// reference is an error that names the environment variable to use instead: every parameter
// is also exported to its stage as MLOPS_PARAM_<NAME> (see param_env_name).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlops {

enum class QuoteMode {
  Raw,    // argv items, env values, paths: substituted as they are
  Shell,  // `run:` commands for /bin/sh -c
};

struct Reference {
  std::string space;  // "params"
  std::string name;   // "lr", or "train.lr" for nested params
  std::string text;   // "${params.lr}", to point at it in the source
};

struct TemplateError {
  std::string needle;  // source text to point at (the reference), or "" for the whole value
  std::string message;
};

// Resolves a reference to its value, or returns nothing after writing a message to `error`.
using ReferenceLookup =
    std::function<std::optional<std::string>(const Reference&, std::string& error)>;

// Expands every reference in `text`. Problems (unterminated or unknown references, a reference
// right after a backslash, an unterminated quote in a shell command) are appended to `errors`.
std::string expand_references(std::string_view text, QuoteMode mode, const ReferenceLookup& lookup,
                              std::vector<TemplateError>& errors);

// The environment variable that carries parameter `name` into every stage: MLOPS_PARAM_ and the
// name upper-cased, with every character other than a letter or digit written as '_'
// ("train.lr" -> MLOPS_PARAM_TRAIN_LR). Two names can map to one variable ("a.b", "a_b"); the
// loader refuses such pipelines.
std::string param_env_name(std::string_view name);

// The references in `text`, without expanding them.
std::vector<Reference> find_references(std::string_view text);

}  // namespace mlops
