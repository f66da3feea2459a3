# shellcheck shell=bash
# The prerequisites of building and running tpmssh, and how to install them: sourced by ./tpmssh and
# .ci/run so that users and CI check exactly the same things.

# The OS packages the scenarios drive: swtpm as the TPM, tpm2-tools, the tpm2 OpenSSL provider (an
# independent loader of our TSS2 key files), a real sshd and ssh, the TCTI loader that serves --tcti
# tabrmd:, cmd: and any other tpm2-tss module (tpm2-tools pulls it in; named here because tpmssh loads it too),
# and p11-kit-client.so, the PKCS#11 module through which C programs (ssh -I, ssh-add -s) reach
# `tpmssh pkcs11-server`.
TPMSSH_OS_PACKAGES=(swtpm swtpm-tools tpm2-tools tpm2-openssl openssh-server openssh-client libtss2-tctildr0
  p11-kit-modules)

# The system's tpm2-pkcs11 stack, tested beside ours: its PKCS#11 module, tpm2_ptool, and the resource
# manager (on a private D-Bus) that it needs on swtpm. Debian splits tpm2_ptool into -tools (bug #968310),
# and the tabrmd TCTI that clients load into libtss2-tcti-tabrmd0, which tpm2-abrmd does not pull in.
# OpenSC's pkcs11-tool signs with a tpm2-pkcs11 key outside ssh (the lockout scenario reads its CKR code).
TPMSSH_TPM2_PKCS11_PACKAGES=(libtpm2-pkcs11-1 libtpm2-pkcs11-tools tpm2-abrmd libtss2-tcti-tabrmd0 dbus opensc)

# Only the test suite needs these: headless Chromium renders report.html in a test; OpenSC's pkcs11-tool
# also drives tpm2-pkcs11 through the TPM wire proxy (harness/.../wire) and checks the p11-kit server, and
# p11-kit has the reference RPC server its recorded replies came from.
TPMSSH_TEST_PACKAGES=(chromium opensc p11-kit)

# The container backend runs swtpm images (scripts/images/build.sh) in Debian's Docker engine.
TPMSSH_CONTAINER_PACKAGES=(docker.io)

# Where tpmssh_docker_engine logs a dockerd it starts.
TPMSSH_DOCKERD_LOG=/var/log/tpmssh-dockerd.log

# Makes a Docker engine reachable for the container backend. An engine that already answers (the user's own,
# or DOCKER_HOST's) is kept as it is. Otherwise, as root, installs docker.io when missing and starts dockerd in
# the background, and says so. Returns non-zero, having said why, when no engine can run: the container row
# is then skipped with its reason.
tpmssh_docker_engine() {
  if command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "tpmssh: no Docker engine answers and only root may start one, so the container backend will be" \
      "skipped; start Docker (or set DOCKER_HOST) to run it." >&2
    return 1
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    tpmssh_install_prerequisites "${TPMSSH_CONTAINER_PACKAGES[@]}" || return 1
  fi
  if pgrep -x dockerd >/dev/null 2>&1; then
    echo "tpmssh: a dockerd is running but does not answer; the container backend will be skipped" \
      "(see its log, or stop it and run again)." >&2
    return 1
  fi
  echo "tpmssh: no Docker engine is running; starting dockerd for the container backend" \
    "(log: $TPMSSH_DOCKERD_LOG)." >&2
  local started=$SECONDS
  # setsid: the engine outlives this script and its terminal, as a system service would.
  setsid dockerd >>"$TPMSSH_DOCKERD_LOG" 2>&1 </dev/null &
  local waited
  for waited in $(seq 1 60); do
    if timeout 5 docker info >/dev/null 2>&1; then
      echo "tpmssh: dockerd answers after $((SECONDS - started)) s." >&2
      return 0
    fi
    sleep 1
  done
  echo "tpmssh: dockerd did not answer within $waited s, so the container backend will be skipped;" \
    "see $TPMSSH_DOCKERD_LOG." >&2
  return 1
}

# Exports what Testcontainers reads from the environment only, so that it pulls no image from a registry and
# writes nothing to ~/ (ContainerSwtpm.ENVIRONMENT in the harness says why each; the pom sets them for mvn).
# DOCKER_HOST defaults to the engine the docker command itself uses.
tpmssh_testcontainers_environment() {
  export TESTCONTAINERS_RYUK_DISABLED=true
  export TESTCONTAINERS_HOST_OVERRIDE=${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}
  if [ -z "${DOCKER_HOST:-}" ]; then
    DOCKER_HOST=$(docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null) ||
      DOCKER_HOST=unix:///var/run/docker.sock
    export DOCKER_HOST
  fi
}

# Makes the container backend ready: a Docker engine and the swtpm images, built once per machine by
# scripts/images/build.sh, given its arguments (none: the images of the container backends run by default).
# Returns non-zero, having said why, when it cannot: the container rows are then skipped.
tpmssh_container_backend() {
  local started=$SECONDS
  tpmssh_docker_engine || return 1
  if ! "$(dirname "${BASH_SOURCE[0]}")/images/build.sh" "$@" >/dev/null; then
    echo "tpmssh: not every swtpm image could be built (see above); the container row runs on those that were." >&2
    return 1
  fi
  echo "tpmssh: the container backend is ready ($((SECONDS - started)) s)." >&2
}

# Installs whatever is missing (Java 17+, Maven, TPMSSH_OS_PACKAGES and any packages named as arguments)
# with apt-get, as root or through sudo. Returns non-zero, having said what to do, when it cannot.
tpmssh_install_prerequisites() {
  local -a extra=("$@")
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    _tpmssh_check_without_apt
    return
  fi

  local missing
  missing=$(_tpmssh_missing_debian_packages "${extra[@]}")
  [ -z "$missing" ] && return 0

  echo "tpmssh: missing packages: $missing. Installing them with apt-get." >&2
  local -a install=(env DEBIAN_FRONTEND=noninteractive sh -c
    "apt-get update -q && apt-get install -y -q --no-install-recommends $missing")
  if [ "$(id -u)" -eq 0 ]; then
    "${install[@]}"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "${install[@]}"
  else
    echo "tpmssh: not root and no sudo; as root, run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends $missing" >&2
    return 1
  fi

  missing=$(_tpmssh_missing_debian_packages "${extra[@]}")
  if [ -n "$missing" ]; then
    echo "tpmssh: still missing after the install: $missing" >&2
    _tpmssh_java_ok || echo "tpmssh: 'java' or 'javac' on PATH is older than 17;" \
      "choose 17 with: update-alternatives --config java && update-alternatives --config javac" >&2
    return 1
  fi
}

# Prints the Debian packages to install, space-separated, or nothing.
_tpmssh_missing_debian_packages() {
  local -a missing=()
  local package
  _tpmssh_java_ok || missing+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  for package in "${TPMSSH_OS_PACKAGES[@]}" "${TPMSSH_TPM2_PKCS11_PACKAGES[@]}" "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] ||
      missing+=("$package")
  done
  echo "${missing[*]}"
}

# Without dpkg we cannot install anything, so look for the commands and name the packages that give them.
_tpmssh_check_without_apt() {
  local -a missing=()
  _tpmssh_java_ok || missing+=("a JDK 17 or newer")
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v swtpm >/dev/null 2>&1 || missing+=(swtpm)
  command -v swtpm_setup >/dev/null 2>&1 || missing+=(swtpm-tools)
  command -v tpm2_getcap >/dev/null 2>&1 || missing+=(tpm2-tools)
  command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "tpmssh: this is not Debian or Ubuntu, so install these yourself, then run again:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  return 1
}

# True when both java and javac (Maven compiles) are version 17 or newer.
_tpmssh_java_ok() {
  local tool version
  for tool in java javac; do
    command -v "$tool" >/dev/null 2>&1 || return 1
    # 'openjdk version "17.0.15"' or 'javac 17.0.15'; Java 8 says "1.8.0", which reads as 1. Matching the
    # line rather than taking the first skips notes such as "Picked up JAVA_TOOL_OPTIONS".
    version=$("$tool" -version 2>&1 | sed -nE 's/^.* version "([0-9]+).*/\1/p; s/^javac ([0-9]+).*/\1/p' |
      head -n 1)
    [ -n "$version" ] && [ "$version" -ge 17 ] || return 1
  done
}
