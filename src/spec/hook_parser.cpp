#include "spec/hook_parser.hpp"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "spec/section_reader.hpp"

namespace mlops {
namespace {

// The command of a hook: a non-empty string without NUL (it goes to /bin/sh -c).
std::optional<std::string> hook_command(const YamlNode& node, SectionReader& reader,
                                        const std::string& key) {
  auto text = reader.string(node, key);
  if (!text) {
    return std::nullopt;
  }
  if (text->value.find_first_not_of(" \t\r\n") == std::string::npos) {
    reader.diagnostics().error(node.mark, fmt::format("'{}' is empty; give the command to run, "
                                                      "such as 'curl -d @- $SLACK_WEBHOOK'",
                                                      key));
    return std::nullopt;
  }
  if (text->value.find('\0') != std::string::npos) {
    reader.diagnostics().error(node.mark, fmt::format("'{}' contains a NUL character", key));
    return std::nullopt;
  }
  return text->value;
}

// {run: COMMAND, timeout: DURATION}
std::optional<HookSpec> hook_mapping(const YamlNode& node, SectionReader& reader,
                                     const std::string& name) {
  static const std::vector<std::string> keys = {"run", "timeout"};
  HookSpec hook;
  hook.mark = node.mark;
  bool ok = true;
  bool has_run = false;
  for (const auto& [key, value] : node.entries) {
    if (key.text == "run") {
      has_run = true;
      auto command = hook_command(value, reader, name + ".run");
      ok = ok && command.has_value();
      hook.command = command.value_or("");
    } else if (key.text == "timeout") {
      auto timeout = reader.duration(value, name + ".timeout");
      if (timeout && (timeout->value <= Milliseconds(0) || timeout->value > k_max_hook_timeout)) {
        reader.diagnostics().error(
            value.mark, fmt::format("'{}.timeout' must be more than 0 and at most {}", name,
                                    format_duration(k_max_hook_timeout)));
        timeout.reset();
      }
      ok = ok && timeout.has_value();
      hook.timeout = timeout ? timeout->value : hook.timeout;
    } else {
      ok = false;
      reader.unknown_key(key, keys);
    }
  }
  if (!has_run) {
    reader.diagnostics().error(node.mark,
                               fmt::format("'{}' needs 'run': the command to run", name));
    return std::nullopt;
  }
  return ok ? std::optional(hook) : std::nullopt;
}

}  // namespace

void parse_hook(const YamlNode& key, const YamlNode& value, Diagnostics& diagnostics,
                PipelineHooks& hooks) {
  SectionReader reader(diagnostics, "");
  const std::string& name = key.text;
  std::optional<HookSpec> hook;
  if (value.is_map()) {
    hook = hook_mapping(value, reader, name);
  } else if (value.is_scalar() && value.type == ScalarType::String) {
    if (auto command = hook_command(value, reader, name)) {
      hook = HookSpec{value.mark, *command, k_default_hook_timeout};
    }
  } else {
    reader.type_error(value, name, "a command string or {run: COMMAND, timeout: DURATION}");
  }
  std::optional<HookSpec>& slot = name == "on_failure"    ? hooks.on_failure
                                  : name == "on_rejected" ? hooks.on_rejected
                                                          : hooks.on_success;
  slot = std::move(hook);
}

}  // namespace mlops
