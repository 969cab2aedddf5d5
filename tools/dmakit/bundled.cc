#include "bundled.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace dmakit::cli {

std::string BundledExamplesDir(const char* argv0) {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  std::error_code ec;
  fs::path exe = fs::canonical("/proc/self/exe", ec);
  if (ec && argv0 != nullptr) exe = fs::absolute(argv0, ec);
  if (!exe.empty()) candidates.push_back(exe.parent_path().parent_path() / "share/dmakit/examples");
#ifdef DMAKIT_EXAMPLES_DIR
  candidates.emplace_back(DMAKIT_EXAMPLES_DIR);
#endif
  for (const fs::path& dir : candidates) {
    if (fs::is_directory(dir, ec)) return dir.string();
  }
  return "";
}

std::vector<std::string> ScenarioFilesIn(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dmakit::cli
