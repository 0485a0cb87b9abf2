#!/usr/bin/env bash
# Installs everything trkx needs on a fresh Debian 12 machine. Idempotent:
# when everything is present it returns in a few seconds.
#
#   scripts/bootstrap.sh            # Debian packages + ONNX Runtime SDK + Python env
#   TRKX_DEPS=/path scripts/bootstrap.sh   # choose the project-local prefix
#
# Layout of the prefix (default: <repo>/.deps):
#   onnxruntime/{include,lib}   ONNX Runtime C/C++ SDK (headers 1.21, library 1.30)
#   venv/                       Python env (system site packages: Debian's torch)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps=${TRKX_DEPS:-$repo/.deps}
ort_version=1.30.0
mkdir -p "$deps"

log() { printf '[bootstrap] %s\n' "$*" >&2; }
sudo_if() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# ---------------------------------------------------------------- Debian
apt_packages=(
  build-essential cmake ninja-build clang-format git pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  libeigen3-dev libtbb-dev libboost-graph-dev libnanoflann-dev libfaiss-dev
  libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev zlib1g-dev
  ccache python3 python3-venv python3-pip python3-numpy python3-pandas
  python3-matplotlib python3-pytest python3-torch python3-onnx python3-scipy
  libopenblas0-openmp  # optimised BLAS for Debian's torch (reference BLAS trains ~30x slower)
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm is only needed to fetch ONNX Runtime; a machine may already have Node.js
# from another source (whose nodejs package conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_if apt-get update -qq
  sudo_if apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------- ONNX Runtime
ort=$deps/onnxruntime
if [ ! -f "$ort/lib/libonnxruntime.so.1" ] || [ ! -f "$ort/include/onnxruntime_cxx_api.h" ]; then
  log "installing ONNX Runtime $ort_version C++ SDK into $ort"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # 1. Microsoft's Linux x64 shared library, shipped inside the npm package.
  npm install --prefix "$tmp/npm" --no-save --ignore-scripts --no-audit --no-fund \
    "onnxruntime-node@$ort_version" >/dev/null
  so=$(find "$tmp/npm" -path '*linux/x64/libonnxruntime.so.1*' -type f | head -n 1)
  [ -n "$so" ] || { log "libonnxruntime.so.1 not found in onnxruntime-node"; exit 1; }
  # 2. The C/C++ headers from Debian 13's libonnxruntime-dev (headers only;
  #    the C API is backward compatible). A private apt configuration reuses
  #    this machine's own Debian mirror with the suite renamed.
  src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' "$src")
  else
    uri=$(awk '/^deb / && $3 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  echo "deb [trusted=yes] $uri trixie main" >"$tmp/sources.list"
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
  o=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache"
     -o Acquire::AllowInsecureRepositories=true -o APT::Sandbox::User=root)
  apt-get "${o[@]}" update -qq >/dev/null
  (cd "$tmp" && apt-get "${o[@]}" download libonnxruntime-dev >/dev/null)
  dpkg -x "$tmp"/libonnxruntime-dev_*.deb "$tmp/x"
  mkdir -p "$ort/include" "$ort/lib"
  cp "$tmp"/x/usr/include/onnxruntime/*.h "$ort/include/"
  cp "$so" "$ort/lib/libonnxruntime.so.1"
  ln -sf libonnxruntime.so.1 "$ort/lib/libonnxruntime.so"
  echo "$ort_version" >"$ort/VERSION"
  rm -rf "$tmp"; trap - EXIT
fi

# ---------------------------------------------------------------- Python
venv=$deps/venv
req=$repo/python/requirements.txt
stamp=$venv/.requirements.sha
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating Python environment in $venv"
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
  echo "$want" >"$stamp"
fi
log "ok: $deps"
