#!/usr/bin/env bash
# Installs the build tree into a scratch prefix and builds a small consumer
# against it twice: with CMake's find_package(switchboard) and with
# pkg-config. Each consumer starts its server on port 0 and echoes a line;
# the auth consumers register and log in an account in memory.
set -euo pipefail
build=$1 consumer=$2 scratch=$3 cxx=$4
rm -rf "$scratch"
mkdir -p "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null

cmake -S "$consumer" -B "$scratch/cmake" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/cmake" >/dev/null
"$scratch/cmake/consumer"
"$scratch/cmake/consumer_auth"

export PKG_CONFIG_PATH="$scratch/prefix/share/pkgconfig"
"$cxx" -std=c++20 -o "$scratch/consumer-pc" "$consumer/main.cpp" $(pkg-config --cflags --libs switchboard)
"$scratch/consumer-pc"
"$cxx" -std=c++20 -o "$scratch/consumer-auth-pc" "$consumer/auth_main.cpp" $(pkg-config --cflags --libs switchboard-auth)
"$scratch/consumer-auth-pc"
echo "find_package and pkg-config consumers built and ran"
