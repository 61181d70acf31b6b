// Fixture for the ctest style.function_length_detects_long: function_of_81_lines is
// 81 lines long from its signature to its closing brace, with braces where a brace matcher
// must not count them. Never compiled.
#include <string>
#define OPEN_BRACE {

std::string function_of_81_lines(int count) {
  std::string text = R"sql(}
})" still inside )sql";
  text += R"(}}})";
  char close = '}';
  char quote = '\'';
  const char* quoted = "\"}";  // }
  /* }
     } */
  auto add = [&text](const char* line) { text += line; };
  add("line 0");
  add("line 1");
  add("line 2");
  add("line 3");
  add("line 4");
  add("line 5");
  add("line 6");
  add("line 7");
  add("line 8");
  add("line 9");
  add("line 10");
  add("line 11");
  add("line 12");
  add("line 13");
  add("line 14");
  add("line 15");
  add("line 16");
  add("line 17");
  add("line 18");
  add("line 19");
  add("line 20");
  add("line 21");
  add("line 22");
  add("line 23");
  add("line 24");
  add("line 25");
  add("line 26");
  add("line 27");
  add("line 28");
  add("line 29");
  add("line 30");
  add("line 31");
  add("line 32");
  add("line 33");
  add("line 34");
  add("line 35");
  add("line 36");
  add("line 37");
  add("line 38");
  add("line 39");
  add("line 40");
  add("line 41");
  add("line 42");
  add("line 43");
  add("line 44");
  add("line 45");
  add("line 46");
  add("line 47");
  add("line 48");
  add("line 49");
  add("line 50");
  add("line 51");
  add("line 52");
  add("line 53");
  add("line 54");
  add("line 55");
  add("line 56");
  add("line 57");
  add("line 58");
  add("line 59");
  add("line 60");
  add("line 61");
  add("line 62");
  add("line 63");
  add("line 64");
  add("line 65");
  add("line 66");
  add("line 67");
  add("line 68");
  return text + close + quote + quoted;
}

int after_it() { return 0; }
