#include "dmakit/scenario/scenario.h"

#include <string>

#include "dmakit/core/result.h"

namespace dmakit::scenario {

const Value& Step::Get(std::string_view key) const {
  auto it = args.find(key);
  DMAKIT_CHECK(it != args.end(), std::string(key).c_str());
  return it->second;
}
uint64_t Step::Number(std::string_view key) const { return Get(key).number; }
const std::string& Step::Text(std::string_view key) const { return Get(key).text; }
const std::vector<uint8_t>& Step::Bytes(std::string_view key) const { return Get(key).bytes; }

}  // namespace dmakit::scenario
