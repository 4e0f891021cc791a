#!/bin/sh
# Make sure the system pieces the build needs are present (Debian/Ubuntu package names).
# Installs what is missing with apt-get when run as root, otherwise prints the exact command.
# Quick and silent when everything is there, so `make` can call it every time.
set -eu

# Pango (WeasyPrint's text layout), the CJK faces the styles name, the kai face for standfirsts,
# fontconfig (font lookup), libgs-common (the CMYK output profile of the press PDF),
# libharfbuzz-subset0 (WeasyPrint cuts the embedded fonts with it; without it, it falls back to
# fontTools and the same book gives other bytes), poppler-utils and qpdf (PDF checks).
# For the tests: a Java runtime (epubcheck); Ghostscript and MuPDF, which render every page
# beside poppler and PDFium (tests/checks/test_engines.py) and the press PDF's slug as a RIP
# would; the engines the EPUB is laid out in: WebKitGTK through gjs under Xvfb (xauth for
# xvfb-run), Chromium, and calibre (its converter is the road to Kindle and Kobo; ~100 MB,
# under 2 min to install).
PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig fonts-noto-cjk fonts-lxgw-wenkai libgs-common poppler-utils qpdf"
if [ "${1:-}" = "--test" ]; then
    PACKAGES="$PACKAGES ghostscript mupdf-tools gjs gir1.2-webkit2-4.0 xvfb xauth chromium calibre"
    command -v java >/dev/null 2>&1 || PACKAGES="$PACKAGES default-jre-headless"
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "system-deps: not a Debian/Ubuntu system; make sure these are installed: $PACKAGES" >&2
    exit 0
fi

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = "0" ]; then
    echo "system-deps: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends $missing >&2
else
    echo "system-deps: missing system packages:$missing" >&2
    echo "run:  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
