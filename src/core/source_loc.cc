#include "dmakit/core/source_loc.h"

#include <cstring>

#include <fmt/format.h>

#include "dmakit/core/symbol.h"

namespace dmakit {

SourceLoc SourceLoc::Interned(std::string_view file, uint32_t line, uint32_t column,
                              std::string_view function) {
  return SourceLoc{Symbol(file).c_str(), line, column, Symbol(function).c_str()};
}

std::string SourceLoc::ToString() const {
  if (!known()) return "<unknown>";
  if (column == 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

bool SourceLoc::operator==(const SourceLoc& other) const {
  return line == other.line && column == other.column && std::strcmp(file, other.file) == 0 &&
         std::strcmp(function, other.function) == 0;
}

}  // namespace dmakit
