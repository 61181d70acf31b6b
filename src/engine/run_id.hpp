// Run identifiers: "20261125-174912-a1b2", UTC time of the start and four random hex digits.
// They sort by start time and stay readable in paths and commands.
#pragma once

#include <chrono>
#include <string>

namespace mlops {

std::string make_run_id(std::chrono::system_clock::time_point now, unsigned random);

// make_run_id with the current time and a random suffix.
std::string new_run_id();

}  // namespace mlops
