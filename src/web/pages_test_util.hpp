// Test helper: one page of a route table, as the server would serve it (no server, no HTTP).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "web/page.hpp"

namespace mlops::testing {

// The page `pattern` of `routes` answers for `params` and `query`; an empty Page (and a test
// failure) when the handler fails or no route has that pattern.
inline web::Page get_page(const std::vector<web::Route>& routes, Workspace& space,
                          const std::string& pattern,
                          std::map<std::string, std::string> params = {},
                          std::multimap<std::string, std::string> query = {}) {
  for (const web::Route& route : routes) {
    if (route.pattern == pattern) {
      auto page =
          route.handler(web::PageRequest{space, std::move(params), std::move(query), web::Links{}});
      EXPECT_TRUE(page.ok()) << page.error().message();
      return page.ok() ? *page : web::Page{};
    }
  }
  ADD_FAILURE() << "no route " << pattern;
  return {};
}

}  // namespace mlops::testing
