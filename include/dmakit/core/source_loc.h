// SourceLoc: where a call was made. From C++ (std::source_location), a scenario file
// (file:line:column) or a trace (file:line). The strings are static or interned Symbols, so a
// SourceLoc is trivially copyable and stays valid for the program's lifetime.
#pragma once

#include <cstdint>
#include <source_location>
#include <string>

namespace dmakit {

struct SourceLoc {
  const char* file = "";
  uint32_t line = 0;
  uint32_t column = 0;
  const char* function = "";

  static SourceLoc From(const std::source_location& loc) {
    return SourceLoc{loc.file_name(), loc.line(), loc.column(), loc.function_name()};
  }
  // A location whose strings are interned (for parsed input: scenarios, traces).
  static SourceLoc Interned(std::string_view file, uint32_t line, uint32_t column = 0,
                            std::string_view function = {});

  bool known() const { return line != 0 || file[0] != '\0'; }
  // "file:line:column" (column omitted when 0), or "<unknown>".
  std::string ToString() const;

  bool operator==(const SourceLoc& other) const;
};

// Default argument for API calls: `SourceLoc where = Here()` records the caller.
inline SourceLoc Here(const std::source_location& loc = std::source_location::current()) {
  return SourceLoc::From(loc);
}

}  // namespace dmakit
