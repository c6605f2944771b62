#!/usr/bin/env bash
# Set up everything attestd needs to build, from nothing, on Debian 12 (as root).
#
#  1. Debian packages (compilers, Boost.Test, clang for fuzzing, python3 peers
#     for benchmarks and interop tests) through the system's apt.
#  2. mbedTLS, libcurl and JsonCpp as static libraries, built from the upstream
#     tarballs of Debian *source* packages, fetched through a private apt
#     configuration (own sources list, lists and cache under $DEPS_DIR) so the
#     machine's apt sources are never touched. Each tarball's SHA-256 is pinned
#     below; a mismatch or an unreachable archive stops the build with a clear
#     message. Builds are cached by version: a second run does nothing.
#
# Usage: scripts/deps.sh [DEPS_DIR]     (default: .deps beside this script's repo)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS_DIR=${1:-${ATTESTD_DEPS_DIR:-$ROOT/.deps}}
JOBS=${JOBS:-$(nproc)}

# name | upstream version | orig tarball | sha256 | source package | suites to try, in order
PINS=(
  "mbedtls|3.6.6|mbedtls_3.6.6.orig.tar.bz2|8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a|mbedtls|trixie"
  "jsoncpp|1.9.6|libjsoncpp_1.9.6.orig.tar.gz|f93b6dd7ce796b13d02c108bc9f79812245a82e577581c4c9aabe57075c90ea2|libjsoncpp|trixie"
  "curl|8.14.1|curl_8.14.1.orig.tar.gz|6766ada7101d292b42b8b15681120acd68effa4a9660935853cf6d61f0d984d4|curl|bookworm-backports trixie"
)

DEB_PACKAGES=(build-essential g++ make cmake pkg-config ca-certificates bzip2 xz-utils
  libboost-test-dev libboost-dev clang libclang-rt-14-dev
  python3 python3-cryptography python3-jwt curl swtpm swtpm-tools tpm2-tools
  libfuse3-dev
  ovmf sbsigntool systemd systemd-boot-efi binutils openssl
  python3-dev pybind11-dev python3-setuptools python3-wheel python3-pip python3-venv
  python3-requests python3-pytest)

log() { printf 'deps: %s\n' "$*" >&2; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=scripts/lib/apt.sh
. "$ROOT/scripts/lib/apt.sh"

APT_DIR=$DEPS_DIR/apt
APT_READY=0
prepare_private_apt() {
  [ $APT_READY -eq 1 ] && return 0
  local mirror; mirror=$(debian_mirror)
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  {
    for s in trixie bookworm-backports bookworm; do
      echo "deb-src [signed-by=$keyring] $mirror $s main"
    done
  } > "$APT_DIR/sources.list"
  log "updating private source index ($APT_DIR)"
  apt_private apt-get update -qq >/dev/null 2>"$APT_DIR/update.log" \
    || die "cannot reach the Debian archive for source packages (see $APT_DIR/update.log)"
  APT_READY=1
}

fetch_tarball() {  # name version tarball sha256 srcpkg suites
  local name=$1 version=$2 tarball=$3 sha=$4 srcpkg=$5 suites=$6
  local dl=$DEPS_DIR/src
  mkdir -p "$dl"
  if [ -f "$dl/$tarball" ] && echo "$sha  $dl/$tarball" | sha256sum -c --status; then
    return 0
  fi
  prepare_private_apt
  for suite in $suites; do
    log "fetching $srcpkg ($version) from $suite"
    # A suite's index can name a Debian revision whose .dsc is already gone while the
    # upstream tarball is still served: ignore apt's status, judge by the tarball.
    (cd "$dl" && apt_private apt-get source --download-only -qq "$srcpkg/$suite" >>"$APT_DIR/source.log" 2>&1) || true
    [ -f "$dl/$tarball" ] && break
  done
  [ -f "$dl/$tarball" ] || die "$tarball: not served by the archive (suites: $suites; see $APT_DIR/source.log)"
  local got; got=$(sha256sum "$dl/$tarball" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    rm -f "$dl/$tarball"
    die "$tarball: SHA-256 mismatch (expected $sha, got $got); refusing to build it"
  fi
}

unpack() {  # tarball -> prints the source directory
  local tarball=$1 work=$2
  rm -rf "$work"; mkdir -p "$work"
  tar -xf "$DEPS_DIR/src/$tarball" -C "$work"
  find "$work" -mindepth 1 -maxdepth 1 -type d | head -1
}

# Every library is compiled with a section per function and per object, so that a link with
# --gc-sections (make static) keeps only what it reaches; this costs no speed.
SECTION_FLAGS="-ffunction-sections -fdata-sections"

build_mbedtls() {  # srcdir prefix
  local src=$1 prefix=$2
  # The project's configuration (what is on, and why) replaces upstream's default; it is
  # installed with the headers, so curl and attestd compile against the same one.
  cp "$ROOT/scripts/mbedtls-config.h" "$src/include/mbedtls/mbedtls_config.h"
  cmake -S "$src" -B "$src/_build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_C_FLAGS="$SECTION_FLAGS" \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF \
    -DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DMBEDTLS_FATAL_WARNINGS=OFF >/dev/null
  cmake --build "$src/_build" -j "$JOBS" >/dev/null
  cmake --install "$src/_build" >/dev/null
}

build_jsoncpp() {
  local src=$1 prefix=$2
  cmake -S "$src" -B "$src/_build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_FLAGS="$SECTION_FLAGS" \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_OBJECT_LIBS=OFF \
    -DJSONCPP_WITH_TESTS=OFF -DJSONCPP_WITH_POST_BUILD_UNITTEST=OFF -DJSONCPP_WITH_PKGCONFIG_SUPPORT=OFF \
    -DJSONCPP_WITH_CMAKE_PACKAGE=OFF >/dev/null
  cmake --build "$src/_build" -j "$JOBS" >/dev/null
  cmake --install "$src/_build" >/dev/null
}

# HTTP and HTTPS only, TLS by the mbedTLS built above. What attestd uses (net/http_client.cpp,
# net/retry_after.cpp): easy handles, custom headers, --resolve, timeouts, the CA bundle,
# curl_getdate (Retry-After) and curl_easy_strerror's texts (kept: --disable-verbose would
# make every failure "Error"). Proxies from the environment and their basic auth stay.
# Off besides the other protocols: cookies, alt-svc, HSTS, netrc, MIME and forms, DoH,
# AWS signing, the headers API, the progress meter, option introspection, local binding,
# TLS-SRP, Unix sockets, digest and bearer auth, SHA-512/256, HTTPS RR, ECH, session export.
build_curl() {
  # configure wants absolute paths; DEPS_DIR may be relative (make DEPS_DIR=.deps).
  local src=$1 prefix mbedtls
  prefix=$(realpath -m "$2"); mbedtls=$(realpath -m "$3")
  (cd "$src" && CFLAGS="-O2 $SECTION_FLAGS" ./configure --prefix="$prefix" --disable-shared --enable-static --with-pic \
      --with-mbedtls="$mbedtls" --without-openssl --without-gnutls \
      --enable-http --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
      --disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb \
      --disable-smtp --disable-gopher --disable-mqtt --disable-ipfs --disable-websockets \
      --disable-manual --disable-docs --disable-ntlm --disable-kerberos-auth --disable-negotiate-auth \
      --disable-cookies --disable-alt-svc --disable-hsts --disable-netrc --disable-mime --disable-form-api \
      --disable-doh --disable-aws --disable-headers-api --disable-progress-meter --disable-get-easy-options \
      --disable-bindlocal --disable-tls-srp --disable-unix-sockets --disable-digest-auth --disable-bearer-auth \
      --disable-sha512-256 --disable-libcurl-option --disable-dnsshuffle --disable-httpsrr --disable-ech \
      --disable-ssls-export \
      --without-libpsl --without-brotli --without-zstd --without-zlib --without-nghttp2 \
      --without-nghttp3 --without-ngtcp2 --without-libidn2 --without-librtmp --without-libssh2 \
      --without-libgsasl --disable-ares --disable-threaded-resolver \
      --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt >/dev/null)
  make -C "$src/lib" -j "$JOBS" >/dev/null
  make -C "$src/lib" install >/dev/null
  make -C "$src/include" install >/dev/null
}

# What a build is made of besides its tarball: its recipe (the build_<name> function and
# the flags), mbedTLS's configuration, and for curl the mbedTLS it compiles against. A
# change to any of them rebuilds that library (and curl after mbedTLS).
recipe_of() {  # name
  { declare -f "build_$1"; echo "$SECTION_FLAGS"
    case $1 in
      mbedtls) cat "$ROOT/scripts/mbedtls-config.h" ;;
      curl) recipe_of mbedtls ;;
    esac; } | sha256sum | cut -c1-16
}

build_pin() {  # one PINS row
  IFS='|' read -r name version tarball sha srcpkg suites <<<"$1"
  local prefix=$DEPS_DIR/prefix/$name-$version
  local stamp; stamp=.built-$sha-$(recipe_of "$name")
  if [ -f "$prefix/$stamp" ]; then return 0; fi
  fetch_tarball "$name" "$version" "$tarball" "$sha" "$srcpkg" "$suites"
  log "building $name $version (static) into $prefix"
  rm -rf "$prefix"
  local src; src=$(unpack "$tarball" "$DEPS_DIR/work/$name")
  case $name in
    mbedtls) build_mbedtls "$src" "$prefix" ;;
    jsoncpp) build_jsoncpp "$src" "$prefix" ;;
    curl)    build_curl "$src" "$prefix" "$DEPS_DIR/prefix/mbedtls-$MBEDTLS_VERSION" ;;
  esac
  rm -rf "$DEPS_DIR/work/$name"
  touch "$prefix/$stamp"
}

install_debian_packages "${DEB_PACKAGES[@]}"
MBEDTLS_VERSION=$(printf '%s\n' "${PINS[@]}" | awk -F'|' '$1=="mbedtls"{print $2}')
for pin in "${PINS[@]}"; do build_pin "$pin"; done

# The Makefile includes this: where each library lives, and which build of them it is.
# -MMD does not track headers under -isystem, so DEPS_BUILD_ID (the libraries' stamps) is
# part of the Makefile's flags stamp: a rebuilt library (another mbedTLS configuration
# changes its structures' layout) rebuilds every object.
mkdir -p "$DEPS_DIR"
{
  ids=""
  for pin in "${PINS[@]}"; do
    IFS='|' read -r name version _ sha _ <<<"$pin"
    printf '%s_PREFIX := %s\n' "$(echo "$name" | tr a-z A-Z)" "$DEPS_DIR/prefix/$name-$version"
    ids="$ids $sha-$(recipe_of "$name")"
  done
  printf 'DEPS_BUILD_ID := %s\n' "$(echo "$ids" | sha256sum | cut -c1-16)"
} > "$DEPS_DIR/deps.mk.tmp"
mv "$DEPS_DIR/deps.mk.tmp" "$DEPS_DIR/deps.mk"
