#!/bin/sh
# Ace by DAISY (the EPUB accessibility checker the stores and libraries use), installed into
# the project's own .tools/ (gitignored) when it is missing, so the test set-up can run it
# without touching the system's node modules. Chromium comes from the system (system-deps.sh
# --test): Puppeteer's own download is skipped. Quick and silent when Ace is there.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/.tools/ace"
VERSION="${ACE_VERSION:-1.4.6}"
[ -x "$DEST/node_modules/.bin/ace-cli" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
    echo "ace: npm is missing (apt-get install -y --no-install-recommends npm); the Ace test will skip" >&2
    exit 0
fi
mkdir -p "$DEST"
echo "ace: installing @daisy/ace-cli into $DEST" >&2
cd "$DEST"
[ -f package.json ] || echo '{"private": true}' > package.json
PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --silent "@daisy/ace-cli@$VERSION" >&2
