#!/usr/bin/env bash
# Installs the Debian packages the local data plane and its tests use: curl (PROXY-protocol
# client), wrk (load) and openssl. Idempotent; needs root or sudo. NGINX itself is
# production's release, installed privately by scripts/install-nginx.sh (no root needed).
set -euo pipefail
need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
