#!/usr/bin/env bash
# Makes a fresh Debian 12 machine ready to build and test dmakit. Installs the Debian packages
# the project needs when run as root (after apt-get update); does nothing when they are all
# present. As a non-root user it lists what is missing and stops.
set -euo pipefail

packages=(
  cmake ninja-build g++ clang-14 libclang-rt-14-dev clang-format
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev libabsl-dev
  chromium  # renders the HTML report in its test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "dmakit setup: these Debian packages are missing: ${missing[*]}" >&2
  echo "run this script as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "dmakit setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
