#!/usr/bin/env bash
# Debian packages the tests, the demo speaker and the benchmarks need: libvlc with its
# base plugins, sox and espeak-ng (media made at test time), the badge fonts (DejaVu, Noto:
# sans, serif, display, Greek, Cyrillic, Arabic, Devanagari; Liberation mono; League Spartan;
# Droid Sans Fallback for CJK: printing/fonts.py names the files), poppler and zbar (reading badges back), Node.js for the Firebase Auth emulator,
# chromium for the browser tests of the pages (Playwright drives it by its path). Installs
# only what is missing.
set -euo pipefail
want=(vlc-plugin-base libvlc5 sox espeak-ng poppler-utils zbar-tools fonts-dejavu-core
      fonts-noto-core fonts-liberation2 fonts-league-spartan fonts-droid-fallback nodejs npm
      chromium)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node from another source (nvm, the machine image) counts as present.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]:-}"
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "system-deps: missing ${missing[*]}; install them as root (apt-get install ...)" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "system-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
