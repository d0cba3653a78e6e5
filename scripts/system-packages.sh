#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only those that are missing.
# Used by `make test` (target system-packages); `make run` needs none of them.
set -euo pipefail

# package -> a file that proves it is installed
declare -A PROBE=(
  [chromium]=/usr/bin/chromium
  [fonts-noto-cjk]=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
  [default-jre-headless]=/usr/bin/java
  [poppler-utils]=/usr/bin/pdftoppm
  [wrk]=/usr/bin/wrk
  [hyperfine]=/usr/bin/hyperfine
)
missing=()
for pkg in "${!PROBE[@]}"; do
  [ -e "${PROBE[$pkg]}" ] || missing+=("$pkg")
done
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: missing ${missing[*]} and no apt-get on this machine; install them by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "system-packages: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "system-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
