#include "dmakit/core/symbol.h"

#include <memory>
#include <mutex>
#include <unordered_set>

namespace dmakit {
namespace {

// The intern table. Strings are never removed: a Symbol is valid for the program's life.
struct Table {
  std::mutex mu;
  // node-based: element addresses are stable across rehashing.
  std::unordered_set<std::string> strings;
};

Table& GetTable() {
  static Table* table = new Table();  // never destroyed: Symbols may outlive static dtors
  return *table;
}

const std::string* Intern(std::string_view text) {
  Table& t = GetTable();
  std::lock_guard<std::mutex> lock(t.mu);
  auto it = t.strings.emplace(text).first;
  return &*it;
}

}  // namespace

#if defined(__clang__)
// clang 14 cannot evaluate libstdc++ 12's std::string constructor at compile time, so there
// the empty text is initialised dynamically, before every default-priority initialiser.
[[gnu::init_priority(101)]] const Symbol::EmptyText Symbol::kEmpty;
#else
constinit const Symbol::EmptyText Symbol::kEmpty;
#endif

Symbol::Symbol(std::string_view text) : text_(text.empty() ? &kEmpty.text : Intern(text)) {}

}  // namespace dmakit
