#include "cli/app.hpp"

int main(int argc, char** argv) {
  return mlops::run_cli(argc, argv);
}
