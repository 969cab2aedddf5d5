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

#if defined(__cpp_lib_source_location)
  static SourceLoc From(const std::source_location& loc) {
    return SourceLoc{loc.file_name(), loc.line(), loc.column(), loc.function_name()};
  }
#endif
  // A location whose strings are interned (for parsed input: scenarios, traces).
  static SourceLoc Interned(std::string_view file, uint32_t line, uint32_t column = 0,
                            std::string_view function = {});

  bool known() const { return line != 0 || file[0] != '\0'; }
  // "file:line:column" (column omitted when 0), or "<unknown>".
  std::string ToString() const;

  bool operator==(const SourceLoc& other) const;
};

// Default argument for API calls: `SourceLoc where = Here()` records the caller.
#if defined(__cpp_lib_source_location)
inline SourceLoc Here(const std::source_location& loc = std::source_location::current()) {
  return SourceLoc::From(loc);
}
#else
// clang 14 with libstdc++ has no std::source_location (it lacks __builtin_source_location);
// the older builtins, evaluated at the call site as default arguments, give the same record.
inline SourceLoc Here(const char* file = __builtin_FILE(), uint32_t line = __builtin_LINE(),
                      uint32_t column = __builtin_COLUMN(),
                      const char* function = __builtin_FUNCTION()) {
  return SourceLoc{file, line, column, function};
}
#endif

}  // namespace dmakit
