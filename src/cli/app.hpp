// The command-line front end: parses arguments, runs one subcommand, returns the exit code.
// The single top-level catch lives here.
#pragma once

namespace mlops {

int run_cli(int argc, char** argv);

}  // namespace mlops
