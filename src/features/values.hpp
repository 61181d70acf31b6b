// How the feature store reads and writes the values of its columns as text (docs/feature-store.md,
// "Types"): event times, ints, floats, strings and bools.
//
// Event times are stored as int64 microseconds since 1970-01-01T00:00:00Z. They are read from
// ISO 8601 (`2024-06-01`, `2024-06-01T12:30:00`, `2024-06-01 12:30:00.25`, with `Z` or a
// `+HH:MM` / `-HH:MM` offset; no zone means UTC) or from a number of seconds since the epoch
// (`1717243200`, `1717243200.5`). They are written back in one canonical form,
// `2024-06-01T12:30:00Z` (with `.ffffff` only when the microseconds are not zero), so that a
// dataset built twice from the same commits is the same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "spec/feature_store_spec.hpp"

namespace mlops {

std::optional<int64_t> parse_event_time(std::string_view text);
std::string format_event_time(int64_t micros);
void append_event_time(std::string& out, int64_t micros);

std::optional<int64_t> parse_int_value(std::string_view text);
std::optional<double> parse_float_value(std::string_view text);  // finite, NaN, inf
std::optional<bool> parse_bool_value(std::string_view text);     // true/false/1/0

// The shortest text that reads back as the same double ("0.1", "3", "1e+20", "nan").
void append_float(std::string& out, double value);

}  // namespace mlops
