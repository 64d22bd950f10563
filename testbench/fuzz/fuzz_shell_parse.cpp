// testbench/fuzz/fuzz_shell_parse.cpp — the scenario shell's lexer and parser
// (driver/shell/shell_parser.h: Parser::complete_command, and Shell::is_complete, which the
// interactive shell asks before it runs a line).
//
// Input: a script's text.
// Invariants:
//  * parsing ends: each complete command read moves forward, and its source range
//    [begin, end) lies inside the text;
//  * a refused script throws SyntaxError only, with a line number inside the script (a
//    here-document or a quote may run to the end: one past the last line);
//  * what the parser accepts whole is complete for the interactive shell
//    (Shell::is_complete), and a script whose parse stops at "unexpected end of file" is not.
#include <algorithm>
#include <exception>
#include <string>

#include "driver/shell/shell.h"
#include "driver/shell/shell_parser.h"
#include "testbench/fuzz/fuzz_check.h"

namespace sd = apsim::driver::shell_detail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = apsim::fuzz::text(data, size);
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  sd::Parser parser(text, 1);
  bool whole = false, eof_error = false, heredoc_at_eof = false;
  try {
    std::size_t last_end = 0;
    for (;;) {
      std::size_t b = 0, e = 0;
      sd::NodeP cmd = parser.complete_command(b, e);
      for (const auto& w : parser.warnings())
        if (w.msg.find("delimited by end-of-file") != std::string::npos) heredoc_at_eof = true;
      parser.warnings().clear();
      if (!cmd) {
        whole = true;
        break;
      }
      FUZZ_CHECK(b <= e && e <= text.size(), "a command's source range lies inside the text");
      FUZZ_CHECK(e > last_end, "each complete command consumes text");
      last_end = e;
    }
  } catch (const sd::SyntaxError& err) {
    FUZZ_CHECK(err.line >= 1 && err.line <= lines + 1, "a syntax error names a line of the script");
    FUZZ_CHECK(!err.msg.empty(), "a syntax error has a message");
    eof_error = err.msg.find("unexpected end of file") != std::string::npos;
  } catch (const std::exception& e) {
    apsim::fuzz::unexpected_exception("the shell parser", e.what());
  }
  const bool complete = apsim::driver::Shell::is_complete(text);
  if (eof_error) FUZZ_CHECK(!complete, "a script cut short is not complete");
  // A trailing backslash continues the line at the prompt; a here-document still open at
  // the end waits for its delimiter.  Otherwise a whole parse is a complete line.
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  const bool continued = !t.empty() && t.back() == '\\';
  if (whole && !heredoc_at_eof && !continued) FUZZ_CHECK(complete, "a script the parser reads whole is complete");
  return 0;
}
