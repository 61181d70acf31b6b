#include "engine/run_id.hpp"

#include <ctime>
#include <random>

#include <fmt/format.h>

namespace mlops {

std::string make_run_id(std::chrono::system_clock::time_point now, unsigned random) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}-{:04x}", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, random & 0xffff);
}

std::string new_run_id() {
  std::random_device device;
  return make_run_id(std::chrono::system_clock::now(), device());
}

}  // namespace mlops
