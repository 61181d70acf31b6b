// Links::to (web/page.hpp): server paths, or the files of an export (web/export.hpp).
#include "web/export.hpp"
#include "web/page.hpp"

namespace mlops::web {

std::string Links::to(const std::string& path) const {
  return exported ? root + export_file(path) : path;
}

std::string export_file(const std::string& target) {
  size_t question = target.find('?');
  std::string path = target.substr(0, question);
  std::string file = path == "/" ? "index" : path.substr(1);
  if (question != std::string::npos) {
    // The query becomes part of the name: "?page=2" -> "_page-2"; the characters a file name or
    // a relative URL could misread become '_'.
    file += "_";
    for (char c : target.substr(question + 1)) {
      file += std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : c == '=' ? '-' : '_';
    }
  }
  return file + ".html";
}

}  // namespace mlops::web
