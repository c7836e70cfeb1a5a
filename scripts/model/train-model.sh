#!/usr/bin/env bash
# Regenerates LogitLab's bundled model from a fixed seed: corpus -> tokenizer -> encoded ids -> training -> ONNX.
# Needs Debian's python3-torch, python3-onnx and libopenblas0-pthread (the script installs them when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
if ! $PY -c 'import torch, onnx' 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-onnx libopenblas0-pthread
fi
WORK=scripts/model/work
STEPS=${STEPS:-2200}
$PY scripts/model/corpus.py "$WORK" 60000
$PY scripts/model/bpe.py "$WORK/train.txt" "$WORK/tok" 3072
npx tsx scripts/model/encodeCorpus.ts "$WORK/tok" "$WORK/train.txt" "$WORK/heldout.txt"
VOCAB=$($PY -c "import json;print(len(json.load(open('$WORK/tok/tokenizer.json'))['model']['vocab']))")
$PY scripts/model/train.py "$WORK" "$STEPS" "$VOCAB"
$PY scripts/model/export.py "$WORK" public/models/logitlab-tiny
npx tsx scripts/model/evaluate.ts
