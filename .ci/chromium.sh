#!/usr/bin/env bash
# Install Debian's Chromium for the end-to-end tests (tests/e2e). Idempotent; run as root.
# Never downloads a browser build of its own: Playwright drives /usr/bin/chromium.
set -euo pipefail

# fonts-noto-cjk renders the Chinese labels in the screenshots the tests save.
packages=(chromium fonts-noto-cjk)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
version() { /usr/bin/chromium --version 2>/dev/null; }

all=1
for p in "${packages[@]}"; do installed "$p" || all=0; done
if [ "$all" -eq 1 ] && [ -x /usr/bin/chromium ]; then
  echo "chromium present: $(version)" >&2
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo ".ci/chromium.sh must run as root (it installs packages) / 需要 root 权限安装 chromium" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
echo "chromium installed: $(version)" >&2
