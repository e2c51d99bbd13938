#!/usr/bin/env bash
# Builds llama.cpp's own server, llama-server, from the llama.cpp that the pinned
# llama-cpp-python sdist vendors (the same code pied runs in process), for the side-by-side
# benchmarks (`pied bench session --against-llama-server BIN`) and the remote-engine tests.
# Only PyPI is used: `pip download` fetches the sdist; cmake builds the one target, CPU only,
# without libcurl. Idempotent: a finished build leaves DEST/.complete with the version, and
# the binary at DEST/llama-server. About 10 minutes on two cores.
#   scripts/build-llama-server.sh [DEST]     (default: $XDG_CACHE_HOME/pied/llama-server)
set -euo pipefail
version=0.3.36
# Built for this CPU, but without AMX: llama.cpp's AMX kernels crash (SIGSEGV in
# ggml_backend_amx_mul_mat) on Intel Xeons whose VM reports AMX. The stamp names the
# flags, so a binary built before them is rebuilt.
flags=""
[ "$(uname -m)" = x86_64 ] && flags="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
stamp="$version native no-amx"
dest=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/pied/llama-server}
if [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$stamp" ] && [ -x "$dest/llama-server" ]; then
  echo "$dest/llama-server"
  exit 0
fi
for tool in cmake c++ python3; do
  command -v "$tool" >/dev/null || { echo "build-llama-server: $tool is not installed" >&2; exit 1; }
done
python=${PYTHON:-$(command -v python3)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m pip download --quiet --no-deps --no-binary :all: --dest "$work" "llama-cpp-python==$version"
tar -xzf "$(ls "$work"/*.tar.gz | head -1)" -C "$work"
src=$(ls -d "$work"/*/vendor/llama.cpp | head -1)
[ -f "$src/CMakeLists.txt" ] || { echo "build-llama-server: no vendored llama.cpp in the sdist" >&2; exit 1; }
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$src" -B "$work/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_CURL=OFF -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON >"$work/cmake.log" 2>&1 \
  || { tail -20 "$work/cmake.log" >&2; exit 1; }
cmake --build "$work/build" --target llama-server -j "$(nproc)" >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; exit 1; }
mkdir -p "$dest"
cp "$work/build/bin/llama-server" "$dest/llama-server.tmp"
mv "$dest/llama-server.tmp" "$dest/llama-server"
echo "$stamp" >"$dest/.complete"
echo "$dest/llama-server"
