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

build_mbedtls() {  # srcdir prefix
  local src=$1 prefix=$2
  # The agent serves TLS from several threads: mbedTLS must lock its shared state.
  python3 "$src/scripts/config.py" -f "$src/include/mbedtls/mbedtls_config.h" set MBEDTLS_THREADING_C
  python3 "$src/scripts/config.py" -f "$src/include/mbedtls/mbedtls_config.h" set MBEDTLS_THREADING_PTHREAD
  cmake -S "$src" -B "$src/_build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF \
    -DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DMBEDTLS_FATAL_WARNINGS=OFF >/dev/null
  cmake --build "$src/_build" -j "$JOBS" >/dev/null
  cmake --install "$src/_build" >/dev/null
}

build_jsoncpp() {
  local src=$1 prefix=$2
  cmake -S "$src" -B "$src/_build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_OBJECT_LIBS=OFF \
    -DJSONCPP_WITH_TESTS=OFF -DJSONCPP_WITH_POST_BUILD_UNITTEST=OFF -DJSONCPP_WITH_PKGCONFIG_SUPPORT=OFF \
    -DJSONCPP_WITH_CMAKE_PACKAGE=OFF >/dev/null
  cmake --build "$src/_build" -j "$JOBS" >/dev/null
  cmake --install "$src/_build" >/dev/null
}

build_curl() {  # HTTP and HTTPS only, TLS by the mbedTLS built above
  local src=$1 prefix=$2 mbedtls=$3
  (cd "$src" && ./configure --prefix="$prefix" --disable-shared --enable-static --with-pic \
      --with-mbedtls="$mbedtls" --without-openssl --without-gnutls \
      --enable-http --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
      --disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb \
      --disable-smtp --disable-gopher --disable-mqtt --disable-ipfs --disable-websockets \
      --disable-manual --disable-docs --disable-ntlm --disable-kerberos-auth --disable-negotiate-auth \
      --without-libpsl --without-brotli --without-zstd --without-zlib --without-nghttp2 \
      --without-nghttp3 --without-ngtcp2 --without-libidn2 --without-librtmp --without-libssh2 \
      --without-libgsasl --disable-ares --disable-threaded-resolver \
      --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt >/dev/null)
  make -C "$src/lib" -j "$JOBS" >/dev/null
  make -C "$src/lib" install >/dev/null
  make -C "$src/include" install >/dev/null
}

build_pin() {  # one PINS row
  IFS='|' read -r name version tarball sha srcpkg suites <<<"$1"
  local prefix=$DEPS_DIR/prefix/$name-$version
  if [ -f "$prefix/.built-$sha" ]; then return 0; fi
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
  touch "$prefix/.built-$sha"
}

install_debian_packages "${DEB_PACKAGES[@]}"
MBEDTLS_VERSION=$(printf '%s\n' "${PINS[@]}" | awk -F'|' '$1=="mbedtls"{print $2}')
for pin in "${PINS[@]}"; do build_pin "$pin"; done

# The Makefile includes this: where each library lives.
mkdir -p "$DEPS_DIR"
{
  for pin in "${PINS[@]}"; do
    IFS='|' read -r name version _ <<<"$pin"
    printf '%s_PREFIX := %s\n' "$(echo "$name" | tr a-z A-Z)" "$DEPS_DIR/prefix/$name-$version"
  done
} > "$DEPS_DIR/deps.mk.tmp"
mv "$DEPS_DIR/deps.mk.tmp" "$DEPS_DIR/deps.mk"
