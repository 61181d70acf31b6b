#include "data/value_type.hpp"

#include <charconv>
#include <cstdlib>
#include <string>

namespace mlops {

const char* value_type_name(ValueType type) {
  switch (type) {
    case ValueType::Int:
      return "int";
    case ValueType::Float:
      return "float";
    case ValueType::Bool:
      return "bool";
    case ValueType::Date:
      return "date";
    case ValueType::DateTime:
      return "datetime";
    case ValueType::String:
      return "string";
  }
  return "string";
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool digits(std::string_view text, size_t from, size_t count) {
  if (from + count > text.size())
    return false;
  for (size_t i = from; i < from + count; ++i) {
    if (!is_digit(text[i]))
      return false;
  }
  return true;
}

int number_at(std::string_view text, size_t from, size_t count) {
  int value = 0;
  for (size_t i = from; i < from + count; ++i)
    value = value * 10 + (text[i] - '0');
  return value;
}

bool is_date_prefix(std::string_view text) {
  if (text.size() < 10 || !digits(text, 0, 4) || text[4] != '-' || !digits(text, 5, 2) ||
      text[7] != '-' || !digits(text, 8, 2)) {
    return false;
  }
  int month = number_at(text, 5, 2);
  int day = number_at(text, 8, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// HH:MM[:SS[.frac]][Z|±HH:MM] from `at` to the end.
bool is_time_suffix(std::string_view text, size_t at) {
  if (!digits(text, at, 2) || at + 2 >= text.size() || text[at + 2] != ':' ||
      !digits(text, at + 3, 2) || number_at(text, at, 2) > 23 || number_at(text, at + 3, 2) > 59) {
    return false;
  }
  size_t i = at + 5;
  if (i < text.size() && text[i] == ':') {
    if (!digits(text, i + 1, 2) || number_at(text, i + 1, 2) > 60)
      return false;
    i += 3;
    if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
      size_t start = ++i;
      while (i < text.size() && is_digit(text[i]))
        ++i;
      if (i == start)
        return false;
    }
  }
  if (i == text.size())
    return true;
  if (text[i] == 'Z')
    return i + 1 == text.size();
  if (text[i] != '+' && text[i] != '-')
    return false;
  return i + 6 == text.size() && digits(text, i + 1, 2) && text[i + 3] == ':' &&
         digits(text, i + 4, 2);
}

bool is_bool(std::string_view text) {
  return text == "true" || text == "false" || text == "True" || text == "False" || text == "TRUE" ||
         text == "FALSE";
}

}  // namespace

TypedValue classify_value(std::string_view text) {
  TypedValue result;
  if (text.empty())
    return result;
  const char* begin = text.data();
  const char* end = begin + text.size();
  char first = text[0];
  if (is_digit(first) || first == '-' || first == '+' || first == '.' || first == 'i' ||
      first == 'I' || first == 'n' || first == 'N') {
    const char* digits_begin = (first == '+') ? begin + 1 : begin;
    int64_t integer = 0;
    auto [int_end, int_error] = std::from_chars(digits_begin, end, integer);
    if (int_error == std::errc() && int_end == end && digits_begin != end) {
      result.type = ValueType::Int;
      result.number = static_cast<double>(integer);
      return result;
    }
    double number = 0;
    auto [float_end, float_error] = std::from_chars(digits_begin, end, number);
    if (float_error == std::errc() && float_end == end && digits_begin != end) {
      result.type = ValueType::Float;
      result.number = number;
      return result;
    }
    if (float_error == std::errc::result_out_of_range && float_end == end) {
      // 1e999 or 1e-999: from_chars leaves `number` alone; strtod saturates to ±inf or 0.
      result.type = ValueType::Float;
      result.number = std::strtod(std::string(text).c_str(), nullptr);
      return result;
    }
    if (is_date_prefix(text)) {
      if (text.size() == 10) {
        result.type = ValueType::Date;
      } else if ((text[10] == 'T' || text[10] == ' ') && is_time_suffix(text, 11)) {
        result.type = ValueType::DateTime;
      }
      return result;
    }
  }
  if (is_bool(text))
    result.type = ValueType::Bool;
  return result;
}

}  // namespace mlops
