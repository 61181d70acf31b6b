// What kind of value a field's text holds, as a profile counts and infers column types.
//
// The rules (docs/data-quality.md, "Types"):
// - int: an optional sign and decimal digits that fit in 64 bits ("007" is an int, "1_000" is
//   not);
// - float: anything std::from_chars reads completely as a double in general format: "1.5",
//   "-2e-3", ".5", "inf", "nan" (NaN and infinities are floats, counted apart);
// - bool: true/false in lower, upper or title case;
// - date: YYYY-MM-DD with a valid month and day; datetime: a date, 'T' or ' ', HH:MM[:SS[.frac]]
//   and an optional 'Z' or ±HH:MM offset;
// - string: everything else.
// A null is decided before typing, by the profile's null tokens.
#pragma once

#include <cstdint>
#include <string_view>

namespace mlops {

enum class ValueType : uint8_t { Int, Float, Bool, Date, DateTime, String };
inline constexpr int k_value_type_count = 6;

const char* value_type_name(ValueType type);  // "int", "float", ...

struct TypedValue {
  ValueType type = ValueType::String;
  double number = 0;  // for Int and Float (an int beyond 2^53 loses precision here)
};

TypedValue classify_value(std::string_view text);

}  // namespace mlops
