#include "features/dataset.hpp"

#include <algorithm>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "features/pit_join.hpp"
#include "features/table_writer.hpp"
#include "features/values.hpp"
#include "hash/digest.hpp"
#include "util/file_io.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

using nlohmann::json;

constexpr int k_manifest_format = 1;

void append_csv_value(std::string& out, const ColumnValues& column, size_t row) {
  if (column.is_null(row)) {
    return;
  }
  if (column.type != FeatureType::String) {
    column.append_text(out, row);
    return;
  }
  append_csv_field(out, column.texts[row], true);
}

}  // namespace

std::string dataset_id(const DatasetManifest& manifest) {
  Hasher hasher;
  hasher.add_field("mlops-dataset-1");
  hasher.add_field(manifest.name);
  hasher.add_field(manifest.spine_digest);
  hasher.add_field(manifest.event_time);
  hasher.add_field(manifest.exclusive ? "exclusive" : "inclusive");
  hasher.add_field(manifest.known_time ? "known_time" : "event_time");
  hasher.add_field(manifest.test_fraction ? fmt::format("{}", *manifest.test_fraction) : "-");
  hasher.add_field(std::to_string(manifest.seed));
  hasher.add_field(manifest.test_from.value_or("-"));
  hasher.add_field(manifest.compress ? "zstd" : "none");
  for (const auto& group : manifest.groups) {
    hasher.add_field(fmt::format("{}/v{}@{}:{}:{}:{}", group.group, group.version, group.commit,
                                 group.commit_hash, group.ttl ? group.ttl->count() : -1,
                                 group.delay.count()));
    for (const auto& feature : group.features) {
      hasher.add_field(feature);
    }
  }
  return hasher.finish().hex().substr(0, 16);
}

namespace {

// 0: train, 1: test, for every spine row.
Result<std::vector<uint8_t>> split_rows(const DatasetSpec& spec, const Spine& spine) {
  std::vector<uint8_t> sides(spine.size(), 0);
  if (spec.test_fraction) {
    for (size_t row = 0; row < spine.size(); ++row) {
      uint64_t bits =
          hash64(std::string_view(reinterpret_cast<const char*>(&row), sizeof row), spec.seed);
      double unit = static_cast<double>(bits >> 11) * 0x1.0p-53;
      sides[row] = unit < *spec.test_fraction ? 1 : 0;
    }
  } else if (spec.test_from) {
    auto from = parse_event_time(*spec.test_from);
    if (!from) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("dataset {}: split test_from '{}' is not a time", spec.name,
                               *spec.test_from));
    }
    for (size_t row = 0; row < spine.size(); ++row) {
      sides[row] = spine.times[row] >= *from ? 1 : 0;
    }
  }
  return sides;
}

struct OutputColumns {
  std::vector<std::string> names;
  std::vector<const ColumnValues*> values;
};

OutputColumns output_columns(const Spine& spine, const std::vector<DatasetGroupPin>& pins,
                             const std::vector<JoinedFeatures>& joined) {
  OutputColumns out;
  std::set<std::string> seen(spine.columns.begin(), spine.columns.end());
  std::map<std::string, int> uses;
  for (const auto& pin : pins) {
    for (const auto& feature : pin.features) {
      ++uses[feature];
    }
  }
  for (size_t g = 0; g < pins.size(); ++g) {
    for (size_t f = 0; f < pins[g].features.size(); ++f) {
      const std::string& feature = pins[g].features[f];
      bool clash = seen.count(feature) > 0 || uses[feature] > 1;
      out.names.push_back(clash ? pins[g].group + "." + feature : feature);
      out.values.push_back(&joined[g].columns[f]);
    }
  }
  return out;
}

Result<DatasetFile> write_part(const std::filesystem::path& dir, const std::string& name,
                               bool compress, const Spine& spine, const OutputColumns& columns,
                               const std::vector<uint8_t>& sides, int side) {
  DatasetFile file;
  file.name = name + (compress ? ".csv.zst" : ".csv");
  MLOPS_TRY(sink, open_file_sink(dir / file.name, compress));
  std::string buffer;
  for (const auto* names : {&spine.columns, &columns.names}) {
    for (const auto& column : *names) {
      if (!buffer.empty()) {
        buffer.push_back(',');
      }
      append_csv_field(buffer, column, false);
    }
  }
  buffer.push_back('\n');
  for (size_t row = 0; row < spine.size(); ++row) {
    if (side >= 0 && sides[row] != side) {
      continue;
    }
    buffer += spine.row_text(row);
    for (const ColumnValues* values : columns.values) {
      buffer.push_back(',');
      append_csv_value(buffer, *values, row);
    }
    buffer.push_back('\n');
    ++file.rows;
    if (buffer.size() > (size_t{1} << 20)) {
      MLOPS_CHECK((*sink)->write(buffer));
      buffer.clear();
    }
  }
  MLOPS_CHECK((*sink)->write(buffer));
  MLOPS_CHECK((*sink)->finish());
  file.digest = (*sink)->digest();
  return file;
}

Result<std::vector<DatasetGroupPin>> pin_groups(const DatasetRequest& request) {
  std::vector<DatasetGroupPin> pins;
  for (const auto& part : request.spec.groups) {
    auto found = request.groups.find(part.group);
    if (found == request.groups.end()) {
      return Error(ErrorKind::NotFound,
                   fmt::format("dataset {}: no feature group '{}'", request.spec.name, part.group));
    }
    FeatureGroupStore& group = *found->second;
    DatasetGroupPin pin{part.group,       group.spec().version, 0, {}, part.features, 0,
                        group.spec().ttl, group.spec().delay};
    if (auto window = request.windows.find(part.group); window != request.windows.end()) {
      pin.ttl = window->second.first;
      pin.delay = window->second.second;
    }
    auto pinned = request.pinned.find(part.group);
    MLOPS_TRY(latest, group.latest_commit());
    pin.commit = pinned != request.pinned.end() ? pinned->second
                 : part.as_of                   ? *part.as_of
                 : *latest                      ? (*latest)->id
                                                : 0;
    MLOPS_TRY(commit, group.commit(pin.commit));
    if (!*commit) {
      return Error(ErrorKind::NotFound,
                   pin.commit == 0
                       ? fmt::format("dataset {}: feature group {} has no commits yet; insert "
                                     "data first (`mlops fg insert`, or a stage out with "
                                     "feature_group: {})",
                                     request.spec.name, part.group, part.group)
                       : fmt::format("dataset {}: feature group {} has no commit {}",
                                     request.spec.name, part.group, pin.commit));
    }
    pin.commit_hash = (*commit)->content_hash;
    if (pin.features.empty()) {
      for (const auto& feature : group.spec().features) {
        pin.features.push_back(feature.name);
      }
    }
    pins.push_back(std::move(pin));
  }
  return pins;
}

}  // namespace

std::string manifest_json(const DatasetManifest& m) {
  json groups = json::array();
  for (const auto& g : m.groups) {
    groups.push_back({{"group", g.group},
                      {"version", g.version},
                      {"commit", g.commit},
                      {"commit_hash", g.commit_hash},
                      {"uri", commit_uri(g.group, g.version, g.commit)},
                      {"features", g.features},
                      {"matched", g.matched},
                      {"ttl_ms", g.ttl ? json(g.ttl->count()) : json(nullptr)},
                      {"delay_ms", g.delay.count()}});
  }
  json files = json::array();
  for (const auto& f : m.files) {
    files.push_back({{"name", f.name}, {"digest", f.digest}, {"rows", f.rows}});
  }
  json split = nullptr;
  if (m.test_fraction) {
    split = {{"test", *m.test_fraction}, {"seed", m.seed}};
  } else if (m.test_from) {
    split = {{"test_from", *m.test_from}};
  }
  json doc = {
      {"format", k_manifest_format},
      {"id", m.id},
      {"name", m.name},
      {"spine",
       {{"path", m.spine},
        {"digest", m.spine_digest},
        {"rows", m.spine_rows},
        {"event_time", m.event_time}}},
      {"pit", {{"exclusive", m.exclusive}, {"mode", m.known_time ? "known_time" : "event_time"}}},
      {"split", split},
      {"compress", m.compress ? "zstd" : "none"},
      {"groups", groups},
      {"files", files},
      {"created_at", m.created_at},
      {"run_id", m.run_id}};
  return doc.dump(2) + "\n";
}

Result<DatasetManifest> manifest_from_json(const std::string& text) {
  try {
    json doc = json::parse(text);
    if (doc.at("format").get<int>() != k_manifest_format) {
      return Error(ErrorKind::Corrupt, "a dataset manifest of another format version");
    }
    DatasetManifest m;
    m.id = doc.at("id").get<std::string>();
    m.name = doc.at("name").get<std::string>();
    m.spine = doc.at("spine").at("path").get<std::string>();
    m.spine_digest = doc.at("spine").at("digest").get<std::string>();
    m.spine_rows = doc.at("spine").at("rows").get<uint64_t>();
    m.event_time = doc.at("spine").at("event_time").get<std::string>();
    m.exclusive = doc.at("pit").at("exclusive").get<bool>();
    m.known_time = doc.at("pit").at("mode").get<std::string>() == "known_time";
    const json& split = doc.at("split");
    if (split.is_object() && split.contains("test")) {
      m.test_fraction = split.at("test").get<double>();
      m.seed = split.at("seed").get<uint64_t>();
    } else if (split.is_object() && split.contains("test_from")) {
      m.test_from = split.at("test_from").get<std::string>();
    }
    m.compress = doc.at("compress").get<std::string>() == "zstd";
    for (const auto& g : doc.at("groups")) {
      m.groups.push_back(
          {g.at("group").get<std::string>(), g.at("version").get<int>(),
           g.at("commit").get<int64_t>(), g.at("commit_hash").get<std::string>(),
           g.at("features").get<std::vector<std::string>>(), g.at("matched").get<uint64_t>(),
           g.at("ttl_ms").is_null() ? std::nullopt
                                    : std::optional(Milliseconds(g.at("ttl_ms").get<int64_t>())),
           Milliseconds(g.at("delay_ms").get<int64_t>())});
    }
    for (const auto& f : doc.at("files")) {
      m.files.push_back({f.at("name").get<std::string>(), f.at("digest").get<std::string>(),
                         f.at("rows").get<uint64_t>()});
    }
    m.created_at = doc.value("created_at", "");
    m.run_id = doc.value("run_id", "");
    return m;
  } catch (const json::exception& error) {
    return Error(ErrorKind::Corrupt, std::string("not a dataset manifest: ") + error.what());
  }
}

Result<DatasetManifest> build_dataset(const DatasetRequest& request,
                                      const std::filesystem::path& out_dir) {
  const DatasetSpec& spec = request.spec;
  MLOPS_TRY(pins, pin_groups(request));
  // The key columns the groups join on; a name two groups type differently is read as text.
  std::vector<FeatureColumnSpec> keys;
  for (const auto& pin : *pins) {
    for (const auto& key : request.groups.at(pin.group)->spec().primary_key) {
      auto known =
          std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.name == key.name; });
      if (known == keys.end()) {
        keys.push_back(key);
      } else if (known->type != key.type) {
        known->type = FeatureType::String;
      }
    }
  }
  MLOPS_TRY(spine, read_spine(request.spine_path, spec.event_time, keys));
  std::vector<JoinedFeatures> joined;
  for (auto& pin : *pins) {
    JoinOptions options{pin.commit, spec.exclusive, spec.mode == PitMode::KnownTime, pin.ttl,
                        pin.delay};
    MLOPS_TRY(features, join_group(*request.groups.at(pin.group), *spine, pin.features, options));
    pin.matched = features->matched;
    joined.push_back(std::move(*features));
  }
  MLOPS_TRY(sides, split_rows(spec, *spine));
  DatasetManifest manifest;
  manifest.name = spec.name;
  manifest.spine = spec.spine;
  manifest.spine_digest = request.spine_digest;
  manifest.spine_rows = spine->size();
  manifest.event_time = spec.event_time;
  manifest.exclusive = spec.exclusive;
  manifest.known_time = spec.mode == PitMode::KnownTime;
  manifest.test_fraction = spec.test_fraction;
  manifest.seed = spec.seed;
  manifest.test_from = spec.test_from;
  manifest.compress = spec.compress;
  manifest.groups = *pins;
  manifest.id = dataset_id(manifest);
  manifest.created_at = now_utc_iso();
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot create {}: {}", out_dir.string(), error.message()));
  }
  OutputColumns columns = output_columns(*spine, *pins, joined);
  bool split = spec.test_fraction || spec.test_from;
  for (int side : split ? std::vector<int>{0, 1} : std::vector<int>{-1}) {
    const char* name = side < 0 ? "data" : side == 0 ? "train" : "test";
    MLOPS_TRY(file, write_part(out_dir, name, spec.compress, *spine, columns, *sides, side));
    manifest.files.push_back(std::move(*file));
  }
  return manifest;
}

}  // namespace mlops
