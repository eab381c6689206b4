#!/usr/bin/env bash
# Debian packages, by what needs them. Installs only what is missing.
#   system-deps.sh run    running: libvlc with its base plugins (the demo speaker), sox
#                         and espeak-ng (the demo's media), the badge fonts (DejaVu, Noto:
#                         sans, serif, display, Greek, Cyrillic, Arabic, Devanagari;
#                         Liberation mono; League Spartan; Droid Sans Fallback for CJK:
#                         printing/fonts.py names the files)
#   system-deps.sh test   (the default) running's, plus poppler and zbar (reading badges
#                         back), Node.js for the Firebase Auth emulator, and chromium for
#                         the browser tests of the pages (Playwright drives it by its path)
#   --list                prints the packages of that set and installs nothing
set -euo pipefail
role=${1:-test}
run=(vlc-plugin-base libvlc5 sox espeak-ng fonts-dejavu-core fonts-noto-core fonts-liberation2
     fonts-league-spartan fonts-droid-fallback)
test_only=(poppler-utils zbar-tools nodejs npm chromium)
case $role in
  run) want=("${run[@]}") ;;
  test) want=("${run[@]}" "${test_only[@]}") ;;
  *) echo "usage: system-deps.sh [run|test] [--list]" >&2; exit 2 ;;
esac
if [ "${2:-}" = --list ]; then
  printf '%s\n' "${want[@]}"; exit 0
fi
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
