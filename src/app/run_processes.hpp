// The processes of a run as a later mlops sees them: whether a run's mlops process is still the
// one that started it, and stopping what a run whose mlops died left running.
//
// A run row names its owner by pid, start time and boot (store/metadata_store.hpp), and each
// execution its stage's main process the same way; every stage process also carries its
// runner's tag (exec/process_table.hpp). A pid alone is never trusted: an unrelated process may
// have it now.
#pragma once

#include <cstddef>

#include "store/metadata_store.hpp"

namespace mlops {

// Whether `run`'s owner_pid is still that run's mlops process: the same boot and the same start
// time. False for runs recorded without a start time (before store schema 4): such a pid cannot
// be told from a reused one. The caller also checks that the run's lock is held.
bool owner_is_running(const RunRecord& run);

// Sends `signal` to the run's mlops process if owner_is_running(run); false otherwise.
bool signal_owner(const RunRecord& run, int signal);

// SIGKILLs every process the interrupted `run` left running on this machine: the members of
// the sessions of its running executions and every process carrying its mlops's tag, with their
// descendants. Call only once the run's lock shows its mlops is gone. Nothing for a run of
// another boot (all of its processes are gone) or recorded before store schema 4. Returns how
// many processes were killed.
size_t kill_run_leftovers(MetadataStore& store, const RunRecord& run);

}  // namespace mlops
