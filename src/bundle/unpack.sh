#!/bin/sh
# Unpacks a cultune bundle (made by `cultune bundle`) on an offline Linux x86-64 machine.
# Usage: sh unpack.sh BUNDLE_DIR DEST
# Checks every part against SHA256SUMS, unpacks node and the project into DEST, and prints the
# `export` lines to eval: PATH gains DEST (for DEST/cultune) and, for a bundle made with --cuda,
# LD_LIBRARY_PATH gains the folders holding the CUDA 13 libraries found on this machine.
#   eval "$(sh BUNDLE_DIR/unpack.sh BUNDLE_DIR ~/cultune)" && cultune doctor
# Messages go to stderr; only the export lines go to stdout. Every folder in them is single-quoted
# for the shell that evals them, so a folder name holding $(...), `...`, quotes or spaces stays a name.
set -eu

say() { echo "unpack.sh: $*" >&2; }
# $1 as one shell word: in single quotes, each ' written as '\'' (close, escaped quote, reopen).
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
[ $# -eq 2 ] || { say "usage: sh unpack.sh BUNDLE_DIR DEST"; exit 2; }
BUNDLE=$(cd "$1" && pwd)
DEST=$2
# A line break cannot survive $(pwd) below (trailing ones are cut, naming another folder).
case $DEST in *'
'*) say "DEST holds a line break: choose a folder name without one"; exit 1 ;; esac
# A name starting with - would be read as an option by cd and mkdir.
case $DEST in -*) DEST=./$DEST ;; esac

for tool in sha256sum tar cat find; do
  command -v "$tool" >/dev/null 2>&1 || { say "$tool is needed (coreutils, tar, findutils)"; exit 1; }
done
[ -f "$BUNDLE/SHA256SUMS" ] || { say "$BUNDLE/SHA256SUMS is missing: not a cultune bundle folder"; exit 1; }
if ls "$BUNDLE"/cultune.tar.xz.part* >/dev/null 2>&1; then ARCHIVE=cultune.tar.xz; DECOMPRESS="xz -dc"; TOOL=xz
else ARCHIVE=cultune.tar.gz; DECOMPRESS="gzip -dc"; TOOL=gzip; fi
command -v "$TOOL" >/dev/null 2>&1 || { say "$TOOL is needed to unpack this bundle (Debian/Ubuntu: xz-utils)"; exit 1; }

say "checking the parts against SHA256SUMS"
(cd "$BUNDLE" && sha256sum --check --quiet SHA256SUMS >&2) || { say "a part is missing or damaged: copy it again"; exit 1; }

if [ -e "$DEST/app" ]; then say "$DEST already holds an unpacked bundle: remove it or choose another DEST"; exit 1; fi
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
# Unpacked beside DEST's contents, then moved into place: an interrupted unpack leaves no half tree.
STAGE=$(mktemp -d "$DEST/.unpacking.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
say "unpacking into $DEST"
# SHA256SUMS lists the parts in order.
(cd "$BUNDLE" && cat $(sed 's/^[0-9a-f]*  //' SHA256SUMS)) | $DECOMPRESS | tar -xf - --no-same-owner -C "$STAGE"
for entry in node cultune app BUNDLE.json; do mv "$STAGE/$entry" "$DEST/$entry"; done

echo "export PATH=$(quote "$DEST"):\"\$PATH\""

PROVIDER="$DEST/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so"
[ -f "$PROVIDER" ] || exit 0

# The CUDA provider needs these CUDA 13 libraries (and the driver's libcuda.so.1). Folders the
# dynamic loader already searches need no export; the rest are looked for where CUDA installs,
# pip wheels (site-packages/nvidia/*/lib) and conda put them.
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
visible() {
  "$LDCONFIG" -p 2>/dev/null | grep -q "[[:space:]]$1 " && return 0
  for d in $(echo "${LD_LIBRARY_PATH:-}" | tr ':' ' '); do [ -e "$d/$1" ] && return 0; done
  return 1
}
DIRS=""
MISSING=""
for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcudnn.so.9; do
  visible "$lib" && continue
  found=""
  # Listed one by one, quoted: a folder name with spaces stays one root.
  for root in /usr/local /usr/lib /opt "${CONDA_PREFIX:-}" "${VIRTUAL_ENV:-}" "$HOME/.local" "$HOME/miniconda3" "$HOME/anaconda3"; do
    [ -d "$root" ] || continue
    found=$(find "$root" -xdev -name "$lib" \( -type f -o -type l \) 2>/dev/null | head -n 1)
    [ -n "$found" ] && break
  done
  if [ -z "$found" ]; then MISSING="$MISSING $lib"; continue; fi
  dir=$(dirname "$found")
  case ":$DIRS:" in *":$dir:"*) ;; *) DIRS="${DIRS:+$DIRS:}$dir" ;; esac
done
if [ -n "$DIRS" ]; then echo "export LD_LIBRARY_PATH=$(quote "$DIRS")\"\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\""; fi
if [ -n "$MISSING" ]; then say "not found on this machine:$MISSING; CUDA needs them (the CUDA 13 toolkit and cuDNN 9, or the nvidia-* pip wheels a CUDA 13 PyTorch installs); see app/docs/gpu-install.md"; fi
visible libcuda.so.1 || say "libcuda.so.1 (the NVIDIA driver) is not visible to the dynamic loader: CUDA will not start"
exit 0
