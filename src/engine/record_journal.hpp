// The recovery journal: what a run could not write to the metadata store because another
// process kept the store locked past the bound (or the disk was full), kept in a file so that
// nothing is lost. The next mlops command that opens the store replays it (app/workspace.hpp).
//
// One file per run, <store dir>/journal/<run id>.json, written atomically: the run's status and
// end time, and the execution writes still pending, in order (JSON; each execution with its
// inputs, outputs and metrics, as the recorder would have written them).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

struct RunJournal {
  std::string run_id;
  std::vector<ExecutionWrite> writes;  // in order
  std::string status;                  // the run's final status; empty: still to be decided
  std::string ended_at;
};

// Writes `journal` to `path` atomically (creating its directory). Io on failure.
Status write_run_journal(const std::filesystem::path& path, const RunJournal& journal);

// Reads a journal; InvalidSpec when the file is not one (it is then left for a person to look
// at, never half-applied).
Result<RunJournal> read_run_journal(const std::filesystem::path& path);

// Applies each journal in `directory` to `store` and removes it; returns the run ids replayed.
// A journal the store is still too busy for stays for the next command.
std::vector<std::string> replay_run_journals(const std::filesystem::path& directory,
                                             MetadataStore& store);

}  // namespace mlops
