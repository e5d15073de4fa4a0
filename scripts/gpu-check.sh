#!/bin/sh
# The checks that need a GPU machine (docs/gpu-install.md, "What has run where"), run from an offline
# bundle made with `cultune bundle --cuda`: doctor, the demo on CUDA and on WebGPU, and training split
# across sessions (cuda:0,cuda:0, and cuda:0,cuda:1 when there are two GPUs) against one session.
# Usage: sh scripts/gpu-check.sh BUNDLE_DIR WORK_DIR
# Every check runs (one failing says nothing about the others); the summary names the failed ones and
# the exit status is non-zero if any failed.
set -eu
[ $# -eq 2 ] || { echo "usage: sh scripts/gpu-check.sh BUNDLE_DIR WORK_DIR" >&2; exit 2; }
BUNDLE=$1
mkdir -p "$2"
WORK=$(cd "$2" && pwd)
eval "$(sh "$BUNDLE/unpack.sh" "$BUNDLE" "$WORK/cultune")"
export CULTUNE_CACHE="$WORK/cache"
cd "$WORK"

FAILED=""
check() {
  name=$1; shift
  echo "== $name"
  if "$@"; then echo "ok: $name"; else echo "FAILED: $name"; FAILED="$FAILED; $name"; fi
}

check doctor cultune doctor
for device in cuda webgpu; do
  check "demo on $device" cultune demo --device "$device" --out "demo-$device" --no-download
done

MODEL=$(ls -d "$CULTUNE_CACHE"/demo-model-v* 2>/dev/null | head -n 1)
train() {
  cultune train --model "$MODEL" --country JP --device "$1" --k 4 --dim 32 --pop 32 --budget 128 --variants 2 \
    --seed 7 --out "$WORK/split" --name "$2"
}
same() {
  node_bin=$(dirname "$(command -v cultune)")/node
  "$node_bin" -e '
    const fs = require("node:fs");
    const [a, b] = process.argv.slice(1).map((d) => JSON.parse(fs.readFileSync(d + "/result.json", "utf8")));
    const same = JSON.stringify(a.best) === JSON.stringify(b.best) && JSON.stringify(a.history.map((h) => h.medianLoss)) === JSON.stringify(b.history.map((h) => h.medianLoss));
    console.log(same ? "identical" : "DIFFERENT", process.argv[1], process.argv[2]);
    process.exit(same ? 0 : 1);' "$WORK/split/$1" "$WORK/split/$2"
}
check "train on cuda:0" train cuda:0 one
check "train on cuda:0,cuda:0" train cuda:0,cuda:0 two-on-one
check "cuda:0,cuda:0 equals cuda:0" same one two-on-one
if [ "$(nvidia-smi -L | wc -l)" -ge 2 ]; then
  check "train on cuda:0,cuda:1" train cuda:0,cuda:1 two-gpus
  check "cuda:0,cuda:1 equals cuda:0" same one two-gpus
fi
if [ -n "$FAILED" ]; then echo "gpu-check: failed:${FAILED#;}"; exit 1; fi
echo "gpu-check: every check passed"
