#!/usr/bin/env bash
# Installs the NGINX release the proxy task runs in production (official image NginxImageTag)
# for the local data plane, its tests and the benchmark: Debian's nginx + libnginx-mod-stream
# of the NGINX_SERIES below, from Debian's unstable archive, into a private directory
# (default: .nginx/ in the checkout, gitignored). The system is not touched: apt runs with
# private lists and cache, the packages are unpacked with `dpkg -x`, and the binary runs
# through the archive's own dynamic loader with the archive's libc, libssl, libpcre2, zlib
# and libcrypt (bin/nginx is a wrapper doing that).
#
# Idempotent and fast once done: an install of the right series is left alone.
# Updating NGINX: change NGINX_SERIES here, NginxImageTag in template.yaml and the FROM line
# of nginx/Dockerfile together (tests/dataplane/test_nginx_release.py checks they agree),
# then `rm -rf .nginx && make test`.
set -euo pipefail

NGINX_SERIES="1.30"
ARCHIVE="http://deb.debian.org/debian"
SUITE="unstable"
PACKAGES=(nginx libnginx-mod-stream libc6 libssl3t64 libpcre2-8-0 zlib1g libcrypt1)

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-${LATTICE_INGRESS_NGINX_DIR:-$root/.nginx}}"
wrapper="$dest/bin/nginx"

installed_version() {
    [ -x "$wrapper" ] || return 1
    "$wrapper" -v 2>&1 | sed -n 's|^nginx version: nginx/||p'
}

if version="$(installed_version)" && [ "${version%.*}" = "$NGINX_SERIES" ]; then
    exit 0
fi

for tool in apt-get apt-cache dpkg; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "install-nginx: $tool is required (Debian or Ubuntu)" >&2
        exit 1
    }
done

work="$dest.tmp.$$"
trap 'rm -rf "$work"' EXIT
rm -rf "$work"
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" \
    "$work/apt/sources.list.d" "$work/apt/preferences.d" "$work/debs" "$work/root"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || {
    echo "install-nginx: $keyring missing (apt-get install debian-archive-keyring)" >&2
    exit 1
}
echo "deb [signed-by=$keyring] $ARCHIVE $SUITE main" >"$work/apt/sources.list"
apt_options=(
    -o "Dir::Etc::SourceList=$work/apt/sources.list"
    -o "Dir::Etc::SourceParts=$work/apt/sources.list.d"
    -o "Dir::Etc::Preferences=$work/apt/preferences"
    -o "Dir::Etc::PreferencesParts=$work/apt/preferences.d"
    -o "Dir::State::Lists=$work/apt/lists"
    -o "Dir::Cache=$work/apt/cache"
    -o "Dir::State::status=/dev/null"
    -o "APT::Sandbox::User=root"
)
echo "install-nginx: reading Debian $SUITE's package list (about 11 MB)"
apt-get "${apt_options[@]}" -qq update
candidate="$(apt-cache "${apt_options[@]}" policy nginx | sed -n 's/^ *Candidate: //p')"
case "$candidate" in
"$NGINX_SERIES".*) ;;
*)
    echo "install-nginx: Debian $SUITE offers nginx '$candidate', not $NGINX_SERIES.x;" \
        "update NGINX_SERIES, NginxImageTag and nginx/Dockerfile together" >&2
    exit 1
    ;;
esac
echo "install-nginx: nginx $candidate + stream module and their libraries into $dest"
(cd "$work/debs" && apt-get "${apt_options[@]}" -qq download "${PACKAGES[@]}")
for deb in "$work"/debs/*.deb; do
    dpkg -x "$deb" "$work/root"
done

loader="$(find "$work/root/usr/lib" -name 'ld-linux*.so.*' -type f | head -n 1)"
[ -n "$loader" ] || {
    echo "install-nginx: no dynamic loader in the libc6 package" >&2
    exit 1
}
multiarch="$(basename "$(dirname "$loader")")"

rm -rf "$dest"
mkdir -p "$dest/bin" "$dest/modules"
mv "$work/root" "$dest/root"
cp "$dest/root/usr/lib/nginx/modules/ngx_stream_module.so" "$dest/modules/"
loader="$dest/root/usr/lib/$multiarch/$(basename "$loader")"
libs="$dest/root/usr/lib/$multiarch:$dest/root/lib/$multiarch"
# --argv0 keeps "nginx" as the program name, so the process titles nginx writes
# ("nginx: master process", "worker process is shutting down") read as usual.
cat >"$wrapper" <<EOF
#!/bin/sh
# nginx $candidate from Debian $SUITE, run with its own loader and libraries.
exec "$loader" --library-path "$libs" --argv0 nginx "$dest/root/usr/sbin/nginx" "\$@"
EOF
chmod 0755 "$wrapper" "$dest" "$dest/bin" "$dest/modules"
echo "$candidate" >"$dest/VERSION"
version="$(installed_version)" || true
[ "${version%.*}" = "$NGINX_SERIES" ] || {
    echo "install-nginx: the installed nginx does not run: $("$wrapper" -v 2>&1 || true)" >&2
    exit 1
}
echo "install-nginx: nginx $version ready: $wrapper"
