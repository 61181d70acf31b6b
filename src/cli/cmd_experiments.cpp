// mlops runs --params --metrics [--filter F] [--sort S] [--columns C] [--csv]: the experiments
// table (app/experiments.hpp) as text (changed columns highlighted on a terminal), CSV or JSON.
#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/experiments.hpp"
#include "app/experiments_json.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/terminal_style.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

// A cell for a terminal: "-" when missing.
std::string text_cell(const std::optional<std::string>& value) {
  return value ? printable(*value) : "-";
}

// Characters, not bytes: UTF-8 continuation bytes take no column.
size_t display_width(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Columns two spaces apart; the cells of changed columns in bold yellow when `color`.
std::string render_text(const ExperimentTable& table, bool color) {
  std::vector<std::vector<std::string>> cells = {{}};
  for (const std::string& column : table.columns) {
    cells[0].push_back(printable(column));
  }
  for (const ExperimentRow& row : table.rows) {
    std::vector<std::string> line;
    for (const std::string& column : table.columns) {
      line.push_back(text_cell(experiment_cell(row, column)));
    }
    cells.push_back(std::move(line));
  }
  std::vector<size_t> widths(table.columns.size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(line[i]));
    }
  }
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      bool last = i + 1 == line.size();
      std::string padded =
          last ? line[i] : line[i] + std::string(widths[i] - display_width(line[i]) + 2, ' ');
      bool highlight = color && table.changed.count(table.columns[i]);
      text += highlight ? "\x1b[1;33m" + padded + "\x1b[0m" : padded;
    }
    out += text + "\n";
  }
  return out;
}

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; lines end in
// CRLF. A cell a spreadsheet would read as a formula (= + - @, tab or CR first) gets a leading
// ' (OWASP's CSV injection advice), except a plain number such as -0.5.
std::string csv_field(const std::optional<std::string>& value) {
  std::string text = value.value_or("");
  bool formula = !text.empty() && std::string("=+-@\t\r").find(text[0]) != std::string::npos;
  if (formula) {
    char* end = nullptr;
    std::strtod(text.c_str(), &end);
    formula = end != text.c_str() + text.size();
  }
  if (formula) {
    text = "'" + text;
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    return text;
  }
  std::string quoted = "\"";
  for (char c : text) {
    quoted += c == '"' ? "\"\"" : std::string(1, c);
  }
  return quoted + "\"";
}

std::string render_csv(const ExperimentTable& table) {
  std::string out;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    out += (i ? "," : "") + csv_field(table.columns[i]);
  }
  out += "\r\n";
  for (const ExperimentRow& row : table.rows) {
    for (size_t i = 0; i < table.columns.size(); ++i) {
      out += (i ? "," : "") + csv_field(experiment_cell(row, table.columns[i]));
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace

bool is_experiments_query(const RunsCommand& command) {
  return command.params || command.metrics || command.csv || command.sort ||
         !command.filters.empty() || !command.columns.empty();
}

int experiments_command(const RunsCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  std::vector<std::string> columns;
  for (const std::string& list : command.columns) {
    for (const std::string& column : split(list, ',')) {
      if (!column.empty()) {
        columns.push_back(column);
      }
    }
  }
  ExperimentQuery query{command.pipeline, command.status, command.filters, command.sort,
                        columns,          command.params, command.metrics, command.limit};
  auto table = experiment_table(*space->store(), query);
  if (!table.ok()) {
    return report_query_error(table.error());
  }
  if (command.query.json) {
    write_all(1, json_text(experiment_table_json(*table), 2) + "\n");
  } else if (command.csv) {
    write_all(1, render_csv(*table));
  } else {
    write_all(1, table->rows.empty() ? "no runs\n" : render_text(*table, use_color(1)));
  }
  return k_exit_success;
}

}  // namespace mlops
