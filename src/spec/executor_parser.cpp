#include "spec/executor_parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "spec/section_reader.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

constexpr int64_t k_max_cpus = 1000000;
constexpr int64_t k_max_gpus = 10000;
constexpr int64_t k_max_mem_mib = int64_t{1} << 40;

// Options the runner sets itself and reads back: giving them again would send the log elsewhere,
// lose the job id or run something else than the stage (sbatch takes any unambiguous prefix of
// a long option, so a prefix of one of these is refused too).
const std::vector<std::string> k_refused_options = {
    "--output", "--error",     "--input", "--wrap",  "--parsable", "--job-name", "--open-mode",
    "--array",  "--test-only", "--wait",  "--chdir", "--export",   "--requeue"};

bool valid_partition(std::string_view name) {
  return !name.empty() && name.size() <= 256 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ',';
  });
}

std::optional<int64_t> count(const YamlNode& value, std::string_view key, SectionReader& reader,
                             int64_t min, int64_t max) {
  int64_t parsed = -1;
  if (value.is_scalar() && value.type == ScalarType::Int) {
    auto [end, error] =
        std::from_chars(value.text.data(), value.text.data() + value.text.size(), parsed);
    if (error == std::errc() && end == value.text.data() + value.text.size() && parsed >= min &&
        parsed <= max) {
      return parsed;
    }
  }
  reader.diagnostics().error(
      value.mark, fmt::format("'{}'{} must be an integer from {} to {}, "
                              "not {}",
                              key, reader.context(), min, max,
                              value.is_scalar() ? "'" + value.text + "'" : value.describe()));
  return std::nullopt;
}

void parse_sbatch_options(const YamlNode& value, SectionReader& reader, JobResources& out) {
  for (const auto& item : reader.string_list(value, "sbatch")) {
    std::string why = refused_scheduler_option(item.value);
    if (!why.empty()) {
      reader.diagnostics().error(item.mark, fmt::format("sbatch option '{}'{} is refused: {}",
                                                        item.value, reader.context(), why));
      continue;
    }
    out.extra.push_back(item.value);
  }
}

void parse_resource_entry(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                          JobResources& out) {
  Diagnostics& diagnostics = reader.diagnostics();
  const std::string& k = key.text;
  if (k == "cpus") {
    out.cpus = count(value, "cpus", reader, 1, k_max_cpus);
  } else if (k == "gpus") {
    out.gpus = count(value, "gpus", reader, 0, k_max_gpus);
  } else if (k == "mem") {
    if (value.is_scalar() && value.type == ScalarType::Int) {
      diagnostics.error(value.mark, fmt::format("'mem'{} needs a unit: write {}M or {}G (units: "
                                                "K, M, G, T)",
                                                reader.context(), value.text, value.text));
    } else if (auto text = reader.string(value, "mem")) {
      out.mem_mib = parse_memory_mib(text->value);
      if (!out.mem_mib) {
        diagnostics.error(value.mark, fmt::format("'mem'{} is not an amount of memory: '{}' "
                                                  "(write a whole number and a unit, such as "
                                                  "512M, 4G or 1T)",
                                                  reader.context(), text->value));
      }
    }
  } else if (k == "time") {
    if (auto time = reader.duration(value, "time")) {
      if (time->value.count() <= 0) {
        diagnostics.error(value.mark, fmt::format("'time'{} must be longer than 0 (leave it out "
                                                  "for the partition's limit)",
                                                  reader.context()));
      } else {
        out.time = time->value;
      }
    }
  } else if (k == "partition") {
    if (auto text = reader.string(value, "partition")) {
      if (!valid_partition(text->value)) {
        diagnostics.error(value.mark, fmt::format("'{}' is not a valid partition name (letters, "
                                                  "digits, _ - . and ,)",
                                                  text->value));
      } else {
        out.partition = text->value;
      }
    }
  } else if (k == "sbatch") {
    parse_sbatch_options(value, reader, out);
  } else {
    reader.unknown_key(key, {"cpus", "mem", "gpus", "time", "partition", "sbatch"});
  }
}

}  // namespace

const std::vector<std::string>& known_executors() {
  static const std::vector<std::string> executors = {k_local_executor, "slurm"};
  return executors;
}

std::optional<LocatedString> parse_executor(const YamlNode& node, Diagnostics& diagnostics,
                                            std::string_view context) {
  SectionReader reader(diagnostics, std::string(context));
  auto text = reader.string(node, "executor");
  if (!text) {
    return std::nullopt;
  }
  const auto& known = known_executors();
  if (std::find(known.begin(), known.end(), text->value) == known.end()) {
    diagnostics.error(node.mark,
                      fmt::format("unknown executor '{}'{}{}; known executors: {}", text->value,
                                  context, did_you_mean(text->value, known), join(known, ", ")));
    return std::nullopt;
  }
  return text;
}

JobResources parse_resources(const YamlNode& node, Diagnostics& diagnostics,
                             std::string_view context) {
  JobResources out;
  SectionReader reader(diagnostics, std::string(context));
  if (!node.is_map()) {
    reader.type_error(node, "resources",
                      "a mapping with cpus, mem, gpus, time, partition or sbatch");
    return out;
  }
  for (const auto& [key, value] : node.entries) {
    parse_resource_entry(key, value, reader, out);
  }
  return out;
}

std::optional<int64_t> parse_memory_mib(std::string_view text) {
  if (text.ends_with('B') || text.ends_with('b')) {
    text.remove_suffix(1);
  }
  if (text.size() < 2) {
    return std::nullopt;
  }
  char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
  text.remove_suffix(1);
  int64_t number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || number <= 0) {
    return std::nullopt;
  }
  int64_t mib = 0;
  switch (unit) {
    case 'K':
      mib = (number + 1023) / 1024;
      break;
    case 'M':
      mib = number;
      break;
    case 'G':
      mib = number > k_max_mem_mib / 1024 ? k_max_mem_mib + 1 : number * 1024;
      break;
    case 'T':
      mib = number > k_max_mem_mib / (1024 * 1024) ? k_max_mem_mib + 1 : number * 1024 * 1024;
      break;
    default:
      return std::nullopt;
  }
  return mib <= k_max_mem_mib ? std::optional(mib) : std::nullopt;
}

std::string refused_scheduler_option(std::string_view option) {
  if (option.find_first_of("\n\r") != std::string_view::npos ||
      option.find('\0') != std::string_view::npos) {
    return "it contains a line break";
  }
  if (!option.starts_with("--") || option.size() < 3 || option[2] == '-' || option[2] == '=') {
    return "write each option as one item in its long form, --name or --name=value";
  }
  std::string_view name = option.substr(0, option.find('='));
  for (const auto& refused : k_refused_options) {
    if (refused.starts_with(name)) {
      return fmt::format("mlops sets {} itself to track the job", refused);
    }
  }
  return "";
}

JobResources merge_resources(const JobResources& defaults, const JobResources& stage) {
  JobResources out = defaults;
  if (stage.cpus)
    out.cpus = stage.cpus;
  if (stage.mem_mib)
    out.mem_mib = stage.mem_mib;
  if (stage.gpus)
    out.gpus = stage.gpus;
  if (stage.time)
    out.time = stage.time;
  if (!stage.partition.empty())
    out.partition = stage.partition;
  if (!stage.extra.empty())
    out.extra = stage.extra;
  return out;
}

}  // namespace mlops
