// Helpers for the feature store's tests: a group spec, CSV files, and reading a group back.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "features/group_reads.hpp"
#include "features/group_store.hpp"
#include "features/table_writer.hpp"
#include "util/file_io.hpp"

namespace mlops::testing {

// customer (int key), ts, score float, plan string; online; ttl as given.
inline FeatureGroupSpec customer_spec(std::optional<Milliseconds> ttl = std::nullopt,
                                      Milliseconds delay = Milliseconds(0)) {
  FeatureGroupSpec spec;
  spec.name = "customer";
  spec.primary_key = {{"customer_id", FeatureType::Int, false, {}}};
  spec.event_time = "ts";
  spec.features = {{"score", FeatureType::Float, true, {}},
                   {"plan", FeatureType::String, true, {}}};
  spec.online = true;
  spec.ttl = ttl;
  spec.delay = delay;
  return spec;
}

inline std::filesystem::path write_csv(const std::filesystem::path& dir, const std::string& name,
                                       const std::string& text) {
  std::filesystem::path path = dir / name;
  EXPECT_TRUE(write_file_atomic(path, text).ok());
  return path;
}

// Inserts `csv` (a header line is added) as one commit; returns the commit id (0: none).
inline int64_t insert_csv(FeatureGroupStore& group, const std::filesystem::path& dir,
                          const std::string& rows,
                          const std::string& header = "customer_id,ts,score,plan") {
  static int counter = 0;
  auto path = write_csv(dir, "batch" + std::to_string(++counter) + ".csv", header + "\n" + rows);
  auto batch = read_row_batch(path, group.spec(), BatchKind::Rows);
  EXPECT_TRUE(batch.ok()) << (batch.ok() ? "" : batch.error().message());
  if (!batch.ok()) {
    return 0;
  }
  auto commit = group.insert(*batch, CommitInfo{});
  EXPECT_TRUE(commit.ok()) << (commit.ok() ? "" : commit.error().message());
  return commit.ok() && *commit ? (*commit)->id : 0;
}

// Collects what a TableWriter writes.
class StringSink final : public ByteSink {
 public:
  explicit StringSink(std::string& out) : m_out(out) {}
  Status write(std::string_view bytes) override {
    m_out += bytes;
    return Status::success();
  }
  Status finish() override { return Status::success(); }

 private:
  std::string& m_out;
};

inline std::string snapshot_text(FeatureGroupStore& group, int64_t as_of, bool history = false) {
  std::string text;
  StringSink sink(text);
  TableWriter writer(sink, TableFormat::Csv, snapshot_columns(group.spec(), history));
  Status read = read_snapshot(group, as_of, history, writer);
  if (!read.ok()) {
    return "error: " + read.error().message();
  }
  EXPECT_TRUE(writer.finish().ok());
  return text;
}

}  // namespace mlops::testing
