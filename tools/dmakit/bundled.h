// Where the bundled example scenarios live: beside the sources (a build tree) or installed
// under <prefix>/share/dmakit/examples relative to the executable.
#pragma once

#include <string>
#include <vector>

namespace dmakit::cli {

// The first examples directory that exists, or "" when none does.
std::string BundledExamplesDir(const char* argv0);
// Every *.yaml in `dir`, sorted by name.
std::vector<std::string> ScenarioFilesIn(const std::string& dir);

}  // namespace dmakit::cli
