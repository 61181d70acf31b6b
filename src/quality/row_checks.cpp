#include "quality/row_checks.hpp"

#include <algorithm>
#include <cmath>

#include "data/value_type.hpp"
#include "hash/digest.hpp"

namespace mlops {

NullTokens::NullTokens(std::vector<std::string> tokens) : m_tokens(std::move(tokens)) {
  for (const std::string& token : m_tokens)
    m_longest = std::max(m_longest, token.size());
}

bool NullTokens::is_null(const FieldView& field) const {
  if (field.missing)
    return true;
  if (field.text.size() > m_longest)
    return false;
  for (const std::string& token : m_tokens) {
    if (field.text == token)
      return true;
  }
  return false;
}

void resolve_columns(const std::vector<std::string>& names, const std::vector<std::string>& columns,
                     std::vector<size_t>& indices) {
  indices.resize(names.size(), k_absent);
  for (size_t i = 0; i < names.size(); ++i) {
    if (indices[i] != k_absent)
      continue;
    auto it = std::find(columns.begin(), columns.end(), names[i]);
    if (it != columns.end())
      indices[i] = static_cast<size_t>(it - columns.begin());
  }
}

std::optional<double> field_number(std::string_view text) {
  TypedValue typed = classify_value(text);
  if (typed.type != ValueType::Int && typed.type != ValueType::Float)
    return std::nullopt;
  return typed.number;
}

std::string clip_value(std::string_view text, size_t limit) {
  if (text.size() <= limit)
    return std::string(text);
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80)
    --end;
  return std::string(text.substr(0, end)) + "…";
}

namespace {

// The field of `record` at `index`, or nothing (a JSON Lines column the record lacks).
const FieldView* field_at(const Record& record, size_t index) {
  return index < record.fields.size() ? &record.fields[index] : nullptr;
}

FailingRow failing_row(const Record& record, const std::vector<std::string>& names,
                       const std::vector<size_t>& indices) {
  FailingRow row;
  row.line = record.line;
  row.file = std::string(record.file);
  for (size_t i = 0; i < names.size(); ++i) {
    const FieldView* field = field_at(record, indices[i]);
    row.values.emplace_back(names[i], field ? clip_value(field->text) : std::string());
  }
  return row;
}

bool type_fits(ExpectedType expected, ValueType type) {
  switch (expected) {
    case ExpectedType::Int:
      return type == ValueType::Int;
    case ExpectedType::Float:
    case ExpectedType::Numeric:
      return type == ValueType::Int || type == ValueType::Float;
    case ExpectedType::Bool:
      return type == ValueType::Bool;
    case ExpectedType::Date:
      return type == ValueType::Date;
    case ExpectedType::DateTime:
      return type == ValueType::Date || type == ValueType::DateTime;
    case ExpectedType::String:
      return true;
  }
  return false;
}

uint64_t code_points(std::string_view text) {
  uint64_t n = 0;
  for (char c : text)
    n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

template <class T>
bool holds(CompareOp op, const T& a, const T& b) {
  switch (op) {
    case CompareOp::Less:
      return a < b;
    case CompareOp::LessEqual:
      return a <= b;
    case CompareOp::Greater:
      return a > b;
    case CompareOp::GreaterEqual:
      return a >= b;
    case CompareOp::Equal:
      return a == b;
    case CompareOp::NotEqual:
      return a != b;
  }
  return false;
}

}  // namespace

// ---- RowCheck ---------------------------------------------------------------------------------

Result<RowCheck> RowCheck::make(const CheckSpec& spec, bool quoted_is_string) {
  RowCheck check(spec);
  check.m_quoted_is_string = quoted_is_string;
  if (spec.kind == CheckKind::Pattern) {
    MLOPS_TRY(pattern, ValuePattern::compile(spec.pattern));
    check.m_pattern = std::move(*pattern);
  }
  if (spec.kind == CheckKind::InSet) {
    for (const std::string& value : spec.values) {
      if (spec.values.size() <= 8) {
        check.m_small_set.push_back(value);
      } else {
        check.m_set.insert(value);
      }
    }
  }
  return check;
}

bool RowCheck::resolved() const {
  return std::none_of(m_index.begin(), m_index.end(), [](size_t i) { return i == k_absent; });
}

bool RowCheck::passes(std::string_view text, bool quoted) const {
  const CheckSpec& spec = *m_spec;
  switch (spec.kind) {
    case CheckKind::Type: {
      ValueType type = m_quoted_is_string && quoted ? ValueType::String : classify_value(text).type;
      return type_fits(spec.type, type);
    }
    case CheckKind::Range: {
      std::optional<double> number = field_number(text);
      return number && !std::isnan(*number) && spec.bounds.contains(*number);
    }
    case CheckKind::InSet:
      if (!m_small_set.empty()) {
        return std::find(m_small_set.begin(), m_small_set.end(), text) != m_small_set.end();
      }
      return m_set.count(text) > 0;
    case CheckKind::Pattern:
      return m_pattern.matches(text);
    case CheckKind::Length:
      return spec.bounds.contains(static_cast<double>(code_points(text)));
    default:
      return true;
  }
}

// Numbers compare as numbers when both sides are numbers, else as text (byte order, which orders
// ISO dates and times correctly).
bool RowCheck::compare(const FieldView& left, const FieldView& right) const {
  std::optional<double> a = field_number(left.text);
  std::optional<double> b = a ? field_number(right.text) : std::nullopt;
  if (a && b)
    return holds(m_spec->op, *a, *b);
  return holds(m_spec->op, left.text, right.text);
}

void RowCheck::record_failure(const Record& record) {
  ++m_failed;
  if (m_failing.size() < k_failing_rows_kept) {
    m_failing.push_back(failing_row(record, m_spec->columns, m_index));
  }
}

void RowCheck::check(const Record& record, const NullTokens& nulls) {
  const FieldView* first = m_index.empty() ? nullptr : field_at(record, m_index[0]);
  bool first_null = first == nullptr || nulls.is_null(*first);
  if (m_spec->kind == CheckKind::NotNull) {
    if (m_index[0] == k_absent)
      return;  // a missing column is reported as such
    ++m_evaluated;
    if (first_null)
      record_failure(record);
    return;
  }
  if (first_null)
    return;  // nulls are not values: only not_null judges them
  if (m_spec->kind == CheckKind::Compare) {
    const FieldView* second = field_at(record, m_index[1]);
    if (second == nullptr || nulls.is_null(*second))
      return;
    ++m_evaluated;
    if (!compare(*first, *second))
      record_failure(record);
    return;
  }
  ++m_evaluated;
  if (!passes(first->text, first->quoted))
    record_failure(record);
}

// ---- UniqueTracker ----------------------------------------------------------------------------

UniqueTracker::UniqueTracker(const CheckSpec& spec, size_t max_bytes)
    : m_spec(&spec), m_set(max_bytes) {}

void UniqueTracker::check(const Record& record, const NullTokens& nulls) {
  constexpr uint64_t k_null_part = 0x6e756c6c6b657921ULL;
  uint64_t hash = 0x243f6a8885a308d3ULL;
  bool any_value = false;
  for (size_t i = 0; i < m_index.size(); ++i) {
    const FieldView* field = field_at(record, m_index[i]);
    bool null = field == nullptr || nulls.is_null(*field);
    any_value = any_value || !null;
    // Each part seeds the next, so (a, bc) and (ab, c) give different keys.
    hash = null ? (hash ^ k_null_part) * 0x9e3779b97f4a7c15ULL : hash64(field->text, hash + i);
  }
  if (!any_value)
    return;  // keys that are all null are not keys
  ++m_keys;
  m_sketch.add_hash(hash);
  UniqueKeySet::Insert inserted = m_set.insert(hash);
  if (inserted == UniqueKeySet::Insert::Repeat) {
    ++m_repeats;
    if (m_failing.size() < k_failing_rows_kept) {
      m_failing.push_back(failing_row(record, m_spec->columns, m_index));
    }
  } else if (inserted == UniqueKeySet::Insert::Overflow && m_overflow_line == 0) {
    m_overflow_line = record.line;
  }
}

// ---- CorrelationTracker -----------------------------------------------------------------------

void CorrelationTracker::check(const Record& record, const NullTokens& nulls) {
  const FieldView* a = field_at(record, m_index[0]);
  const FieldView* b = field_at(record, m_index[1]);
  if (a == nullptr || b == nullptr || nulls.is_null(*a) || nulls.is_null(*b))
    return;
  std::optional<double> x = field_number(a->text);
  std::optional<double> y = x ? field_number(b->text) : std::nullopt;
  if (!x || !y || !std::isfinite(*x) || !std::isfinite(*y))
    return;
  ++m_n;
  double n = static_cast<double>(m_n);
  double dx = *x - m_mean_x;
  double dy = *y - m_mean_y;
  m_mean_x += dx / n;
  m_mean_y += dy / n;
  m_m2x += dx * (*x - m_mean_x);
  m_m2y += dy * (*y - m_mean_y);
  m_cxy += dx * (*y - m_mean_y);
}

std::optional<double> CorrelationTracker::correlation() const {
  if (m_n < 2 || m_m2x <= 0 || m_m2y <= 0)
    return std::nullopt;
  double r = m_cxy / std::sqrt(m_m2x * m_m2y);
  return std::clamp(r, -1.0, 1.0);
}

}  // namespace mlops
