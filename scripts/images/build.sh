#!/usr/bin/env bash
# Builds the container backend's swtpm images from Debian packages only, with no registry: `host` packs this
# machine's swtpm with the libraries ldd finds; a Debian suite or release name (testing, trixie…) packs the
# swtpm that debootstrap installs from Debian's archive. Each image holds only swtpm, its libraries and an
# empty state dir, is named tpmssh/swtpm:<swtpm version>-deb<N> and labelled with the argument that made it
# and its swtpm and libtpms versions. An image that exists is kept (--rebuild replaces it). Prints the image
# names on stdout, progress on stderr.
#
# Usage: scripts/images/build.sh [--rebuild] [default|host|SUITE]...    (default: host testing)
# Env:   TPMSSH_IMAGE_CACHE (default /var/tmp/tpmssh-images: debootstrap's packages and the work dirs)
#        TPMSSH_DEBIAN_MIRROR (default http://deb.debian.org/debian)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/prerequisites.sh
source "$here/../prerequisites.sh"

REPOSITORY=tpmssh/swtpm
# The images of the container backends a run takes by default (axes' Backend: container-host, container-testing;
# ContainerSwtpmTest checks the two lists agree). Others, such as trixie, are built when named.
DEFAULT_RELEASES=(host testing)
SOURCE_LABEL=org.tpmssh.image.source
cache=${TPMSSH_IMAGE_CACHE:-/var/tmp/tpmssh-images}
mirror=${TPMSSH_DEBIAN_MIRROR:-http://deb.debian.org/debian}

say() { echo "build.sh: $*" >&2; }

# The image that the build.sh argument $1 made (with swtpm version $2, when given), if any.
existing_image() {
  local -a filter=(--filter "label=$SOURCE_LABEL=$1")
  [ -n "${2:-}" ] && filter+=(--filter "label=org.tpmssh.swtpm.version=$2")
  docker images "${filter[@]}" --format '{{.Repository}}:{{.Tag}}' | grep "^$REPOSITORY:" | head -n 1 || true
}

# Runs a command inside the root filesystem $1 (this machine's when it is /).
in_root() {
  local root=$1
  shift
  if [ "$root" = / ]; then "$@"; else chroot "$root" "$@"; fi
}

# The Debian version of the package installed in $1 that holds the file named $2.
package_version() {
  local package
  package=$(dpkg-query --admindir="$1/var/lib/dpkg" -S "$2" | head -n 1 | cut -d: -f1)
  dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${Version}' "$package"
}

# Packs swtpm, the libraries it loads and an empty state dir from root filesystem $1 into tarball $2, with
# fixed order, times and owners so the same packages give the same bytes.
pack_rootfs() {
  local root=$1 out=$2 stage file
  stage=$(dirname "$out")/stage
  rm -rf "$stage" && mkdir -p "$stage"
  for file in /usr/bin/swtpm $(in_root "$root" ldd /usr/bin/swtpm |
    awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$stage$(dirname "$file")"
    cp -L "${root%/}$file" "$stage$file"
  done
  install -d -m 1777 "$stage/tmp"
  install -d -o 65534 -g 65534 -m 0700 "$stage/var/lib/swtpm"
  tar --sort=name --mtime=@0 --numeric-owner -C "$stage" -cf "$out" .
  rm -rf "$stage"
}

# Loads tarball $2 as the image of root filesystem $1, made for build.sh argument $3, named by its swtpm
# version and Debian release, with ENTRYPOINT, EXPOSE and USER from the Dockerfile beside this script. Prints
# the image name.
import_image() {
  local root=$1 tarball=$2 source=$3 swtpm libtpms release number upstream tag line
  swtpm=$(package_version "$root" /usr/bin/swtpm)
  libtpms=$(package_version "$root" libtpms.so.0)
  # shellcheck disable=SC1091
  release=$(. "${root%/}/etc/os-release" && echo "$VERSION_CODENAME")
  # shellcheck disable=SC1091
  number=$(. "${root%/}/etc/os-release" && echo "${VERSION_ID:-}")
  upstream=${swtpm#*:}
  upstream=${upstream%-*}
  upstream=${upstream%%[+~]*}
  # Debian's testing has no VERSION_ID until it is released: name it by its codename then.
  if [ -n "$number" ]; then tag="$REPOSITORY:$upstream-deb$number"; else tag="$REPOSITORY:$upstream-$release"; fi
  local -a changes=(--change "LABEL org.tpmssh.swtpm.version=$swtpm org.tpmssh.libtpms.version=$libtpms \
org.tpmssh.debian.release=$release $SOURCE_LABEL=$source")
  while IFS= read -r line; do
    changes+=(--change "$line")
  done < <(grep -E '^(ENTRYPOINT|EXPOSE|USER) ' "$here/Dockerfile")
  local old new
  # The images this argument made before (another swtpm version when testing moved on, or the same tag), and
  # one of the same tag made before images carried $SOURCE_LABEL: all ours, replaced by the new one.
  old=$( (docker images -q --no-trunc --filter "label=$SOURCE_LABEL=$source" "$REPOSITORY"
    docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null) | sort -u || true)
  new=$(docker import "${changes[@]}" --message "swtpm $swtpm, libtpms $libtpms, Debian $release" "$tarball" "$tag")
  # Each is removed unless a container uses it.
  for line in $old; do
    if [ "$line" != "$new" ]; then docker rmi "$line" >/dev/null 2>&1 || true; fi
  done
  say "$tag: swtpm $swtpm, libtpms $libtpms ($(du -k "$tarball" | cut -f1) KiB)"
  echo "$tag"
}

build_host() {
  local work=$1 release swtpm found
  # shellcheck disable=SC1091
  release=$(. /etc/os-release && echo "$VERSION_CODENAME")
  swtpm=$(dpkg-query -W -f='${Version}' swtpm 2>/dev/null) ||
    { say "this machine has no swtpm package; install it (apt-get install swtpm) or build a release instead"; return 1; }
  found=$(existing_image host "$swtpm")
  if [ -n "$found" ] && [ "$rebuild" = no ]; then
    say "$found exists (this machine's swtpm $swtpm); keeping it"
    echo "$found"
    return
  fi
  say "packing this machine's swtpm $swtpm and its libraries"
  pack_rootfs / "$work/rootfs.tar"
  import_image / "$work/rootfs.tar" host
}

build_release() {
  local work=$1 release=$2 found
  found=$(existing_image "$release")
  if [ -n "$found" ] && [ "$rebuild" = no ]; then
    say "$found exists (Debian $release); keeping it"
    echo "$found"
    return
  fi
  [ "$(id -u)" -eq 0 ] || { say "debootstrap needs root; run as root to build the $release image"; return 1; }
  command -v debootstrap >/dev/null 2>&1 || tpmssh_install_prerequisites debootstrap
  say "debootstrap of Debian $release with swtpm from $mirror (about half a minute to a few minutes)"
  mkdir -p "$cache/debs"
  # A debootstrap older than the release has no script for it; every release since buster uses sid's.
  local script=/usr/share/debootstrap/scripts/$release
  [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
  debootstrap --variant=minbase --include=swtpm --cache-dir="$cache/debs" "$release" "$work/root" "$mirror" \
    "$script" \
    >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; say "debootstrap failed"; return 1; }
  pack_rootfs "$work/root" "$work/rootfs.tar"
  import_image "$work/root" "$work/rootfs.tar" "$release"
}

rebuild=no
releases=()
for arg in "$@"; do
  case $arg in
    --rebuild) rebuild=yes ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) say "unknown option $arg"; exit 2 ;;
    default) releases+=("${DEFAULT_RELEASES[@]}") ;;
    *) releases+=("$arg") ;;
  esac
done
[ ${#releases[@]} -gt 0 ] || releases=("${DEFAULT_RELEASES[@]}")
# Each once, in the order given.
mapfile -t releases < <(printf '%s\n' "${releases[@]}" | awk '!seen[$0]++')

tpmssh_docker_engine || exit 1
mkdir -p "$cache"
# One build at a time per cache: two would debootstrap into the same work dir.
exec 9>"$cache/lock"
flock -w 1800 9 || { say "another build.sh held $cache/lock for 30 minutes; giving up"; exit 1; }

status=0
for release in "${releases[@]}"; do
  work="$cache/work-$release"
  rm -rf "$work" && mkdir -p "$work"
  started=$SECONDS
  if [ "$release" = host ]; then
    build_host "$work" || status=1
  else
    build_release "$work" "$release" || status=1
  fi
  rm -rf "$work"
  say "$release: $((SECONDS - started)) s"
done
exit "$status"
