#!/usr/bin/env bash
# Fetches the ONNX Runtime 1.23.2 CPU library into the git-ignored cache .deps/onnxruntime/, once.
# Source: the npm registry package onnxruntime-node@1.23.2 (the only registry here that carries the native build);
# the file is checked against a pinned sha256 and moved into place only when it matches.
set -euo pipefail
VERSION=1.23.2
SHA256=733854c3d7ce45256cc1c22cd4a30373247e1f7b7de8f40beab24211ef8e2a76
MEMBER=package/bin/napi-v6/linux/x64/libonnxruntime.so.1
DEST_DIR="${1:-.deps/onnxruntime}"
DEST="$DEST_DIR/libonnxruntime.so.1"

if [ -f "$DEST" ] && echo "$SHA256  $DEST" | sha256sum --check --status; then exit 0; fi
command -v npm >/dev/null || { echo "error: npm is needed to fetch ONNX Runtime $VERSION (package onnxruntime-node)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetching ONNX Runtime $VERSION (npm onnxruntime-node@$VERSION)"
(cd "$work" && npm pack --silent "onnxruntime-node@$VERSION" >/dev/null) \
  || { echo "error: 'npm pack onnxruntime-node@$VERSION' failed" >&2; exit 1; }
tar -xzf "$work/onnxruntime-node-$VERSION.tgz" -C "$work" "$MEMBER"
if ! echo "$SHA256  $work/$MEMBER" | sha256sum --check --status; then
  echo "error: $MEMBER from onnxruntime-node@$VERSION does not have the pinned sha256 $SHA256" >&2
  exit 1
fi
mkdir -p "$DEST_DIR"
mv -f "$work/$MEMBER" "$DEST.tmp" && mv -f "$DEST.tmp" "$DEST"
echo "ONNX Runtime $VERSION -> $DEST"
