// Text made safe for XML and HTML: markup characters escaped, characters XML 1.0 forbids (most
// control characters) dropped, and bytes that are not UTF-8 replaced, so a stage's arbitrary
// stderr can go into a JUnit report or an HTML page.
#pragma once

#include <string>
#include <string_view>

namespace mlops {

std::string xml_escape(std::string_view text);

}  // namespace mlops
