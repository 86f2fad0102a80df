#!/usr/bin/env bash
# Install Debian's Chromium for the end-to-end tests (tests/e2e). Idempotent; run as root.
# Never downloads a browser build of its own: Playwright drives /usr/bin/chromium.
set -euo pipefail

if [ -x /usr/bin/chromium ] && /usr/bin/chromium --version >/dev/null 2>&1; then
  echo "chromium present: $(/usr/bin/chromium --version)" >&2
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo ".ci/chromium.sh must run as root (it installs packages) / 需要 root 权限安装 chromium" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Debian's chromium pulls fonts-liberation; fonts-noto-cjk renders the Chinese labels in screenshots.
apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk fonts-liberation
echo "chromium installed: $(/usr/bin/chromium --version)" >&2
