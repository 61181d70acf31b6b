// Durations as pipeline files write them: 500ms, 30s, 10m, 2h, or sums such as 1h30m.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mlops {

using Milliseconds = std::chrono::milliseconds;

// Parses one or more <digits><unit> groups, unit one of ms, s, m, h. Nothing (and no exception)
// for anything else, including a bare number without a unit or an overflowing value.
std::optional<Milliseconds> parse_duration(std::string_view text);

// A compact human form for summaries: "850ms", "1.2s", "3m05s", "2h01m".
std::string format_duration(Milliseconds duration);

}  // namespace mlops
