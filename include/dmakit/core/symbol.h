// Symbol: an interned, immutable string. Device names and source file names appear on every
// event; interning makes them one pointer to copy, compare and hash, and keeps their text
// alive for the program's lifetime (events refer to them after the emitter is gone).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace dmakit {

class Symbol {
 public:
  // The empty symbol: no call, no lock (events default-construct several Symbols each).
  Symbol() : text_(&kEmpty.text) {}
  // Interns `text` (thread-safe). The same text always gives the same Symbol; the empty text
  // gives the default Symbol.
  explicit Symbol(std::string_view text);

  const std::string& str() const { return *text_; }
  std::string_view view() const { return *text_; }
  const char* c_str() const { return text_->c_str(); }
  bool empty() const { return text_->empty(); }

  bool operator==(const Symbol& other) const { return text_ == other.text_; }
  // Orders by text, so sorted output does not depend on interning order.
  bool operator<(const Symbol& other) const { return *text_ < *other.text_; }
  size_t hash() const { return std::hash<const void*>{}(text_); }

 private:
  // The empty text, constant-initialised (so a default Symbol is valid in any static
  // initialiser) and never destroyed (nor in any static destructor), like interned texts.
  struct EmptyText {
    constexpr EmptyText() : text() {}
    ~EmptyText() {}
    union {
      const std::string text;
    };
  };
  static const EmptyText kEmpty;

  const std::string* text_;
};

}  // namespace dmakit

template <>
struct std::hash<dmakit::Symbol> {
  size_t operator()(const dmakit::Symbol& s) const noexcept { return s.hash(); }
};
