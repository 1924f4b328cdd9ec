#!/usr/bin/env bash
# The QGIS test suite (tests/qgis) inside Debian root filesystems carrying other QGIS versions:
# trixie (QGIS 3.40 LTR) and forky (QGIS 3.44). `make test-matrix` runs it; by hand:
#
#     tests/matrix/matrix.sh [--zip dist/s2gm_qgis-X.zip] [SUITE...] [-- PYTEST-ARGS...]
#
# Each root is made once with debootstrap into $S2GM_MATRIX_CACHE/<suite> (default
# .cache/matrix/<suite>, gitignored) and provisioned by inside.sh (Debian packages, a venv with
# the test tools); a stamp per root records what it was provisioned from, so a warm run does no
# set-up. The tests run in a mount (and PID) namespace of their own (unshare), chrooted into the
# root, with the repository and ../shared bind-mounted read-only and the results (junit XML, logs)
# written to $S2GM_MATRIX_CACHE/results/<suite>. Everything mounted lives in that namespace only,
# so it is gone when the run ends, however it ends (exit, failure, Ctrl-C, kill).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARED=$(cd "${S2GM_SHARED:-$REPO/../shared}" && pwd)
CACHE=${S2GM_MATRIX_CACHE:-$REPO/.cache/matrix}
MIRROR=${S2GM_MATRIX_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${S2GM_MATRIX_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
export DEBIAN_FRONTEND=noninteractive

log() { printf '[matrix %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() { log "error: $*" >&2; exit 1; }

# What a root is provisioned from: a change in any of these re-provisions it (apt and pip are
# incremental, so that is much quicker than a new root).
provision_key() {
  cat "$REPO/tests/matrix/inside.sh" "$REPO/requirements-dev.txt" | sha256sum | cut -c1-16
}

apt_sources() {  # suite -> the root's deb822 sources (stable gets its updates and security)
  local suite=$1 suites_line=$1
  [ "$suite" = trixie ] && suites_line="$suite $suite-updates"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$MIRROR" "$suites_line"
  if [ "$suite" = trixie ]; then
    printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$SECURITY_MIRROR" "$suite"
  fi
}

# Inside the new namespaces (matrix.sh re-runs itself there, see in_root): mount what the tests
# see and chroot into ROOT. Every mount here belongs to this namespace alone.
enter_root() {
  local root=$1 out=$2; shift 2
  # Only as the first process of the namespaces in_root makes: never mount in the host's.
  [ $$ = 1 ] || die "--enter is internal to matrix.sh (run by in_root under unshare)"
  mkdir -p "$root/work"
  mount -t tmpfs -o mode=755 tmpfs "$root/work"
  mkdir "$root/work/repo" "$root/work/shared" "$root/work/results"
  mount --bind "$REPO" "$root/work/repo"
  mount -o remount,bind,ro "$root/work/repo"
  mount --bind "$SHARED" "$root/work/shared"
  mount -o remount,bind,ro "$root/work/shared"
  mount --bind "$out" "$root/work/results"
  mount -t proc proc "$root/proc"
  mount -t sysfs -o ro sysfs "$root/sys"
  mount -t tmpfs -o mode=755 tmpfs "$root/dev"
  local node
  for node in null zero full random urandom tty; do
    touch "$root/dev/$node"; mount --bind "/dev/$node" "$root/dev/$node"
  done
  ln -s /proc/self/fd "$root/dev/fd"
  ln -s /proc/self/fd/0 "$root/dev/stdin"
  ln -s /proc/self/fd/1 "$root/dev/stdout"
  ln -s /proc/self/fd/2 "$root/dev/stderr"
  mkdir "$root/dev/pts" "$root/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
  ln -s pts/ptmx "$root/dev/ptmx"
  mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  local env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp/home
             LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive TERM=dumb)
  local name
  for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [ -z "${!name:-}" ] || env+=("$name=${!name}")
  done
  exec chroot "$root" /usr/bin/env -i "${env[@]}" "$@"
}

# Run COMMAND chrooted in ROOT, in a mount and PID namespace of its own (when it ends, its
# mounts and every process it left go with it), results writable in OUT:
#   in_root ROOT OUT COMMAND...
in_root() {
  unshare --mount --pid --fork --propagation private -- bash "$REPO/tests/matrix/matrix.sh" --enter "$@"
}

# Make (or keep) the root of one suite; prints nothing when the stamps are current.
ensure_root() {
  local suite=$1 root="$CACHE/$suite" key
  key=$(provision_key)
  if [ ! -f "$CACHE/stamps/$suite.base" ]; then
    log "$suite: debootstrap into $root (once)"
    # A root left by an interrupted debootstrap is made anew; never remove through a mount.
    if grep -q " $root/" /proc/self/mounts; then die "$suite: something is mounted under $root"; fi
    rm -rf "$root" "$CACHE/stamps/$suite".*
    local script=/usr/share/debootstrap/scripts/$suite
    # An older debootstrap may not know a newer suite yet: testing and unstable share sid's script.
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
    # In a mount namespace of its own too: the /proc and /sys it mounts in the target go with it.
    unshare --mount --propagation private -- \
      debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" "$MIRROR" "$script" \
      > "$CACHE/$suite.debootstrap.log" 2>&1 \
      || { tail -n 30 "$CACHE/$suite.debootstrap.log" >&2; die "$suite: debootstrap failed (log: $CACHE/$suite.debootstrap.log)"; }
    rm -f "$root/etc/apt/sources.list"
    apt_sources "$suite" > "$root/etc/apt/sources.list.d/debian.sources"
    touch "$CACHE/stamps/$suite.base"
  fi
  if [ "$(cat "$CACHE/stamps/$suite.provisioned" 2>/dev/null)" != "$key" ]; then
    log "$suite: provisioning (Debian packages, test venv)"
    # A mirror may serve a testing suite's Release a little after its Valid-Until date (forky's
    # is re-signed daily): accept it, as the host's apt here does.
    printf 'Acquire::Check-Valid-Until "false";\n' > "$root/etc/apt/apt.conf.d/99s2gm-matrix"
    # Certificate authorities this host trusts locally (a proxy's, say) are trusted in the root too.
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
      cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    fi
    in_root "$root" "$CACHE/results" /work/repo/tests/matrix/inside.sh provision \
      > "$CACHE/$suite.provision.log" 2>&1 \
      || { tail -n 40 "$CACHE/$suite.provision.log" >&2; die "$suite: provisioning failed (log: $CACHE/$suite.provision.log)"; }
    echo "$key" > "$CACHE/stamps/$suite.provisioned"
  fi
}

if [ "${1:-}" = --enter ]; then  # (internal) the namespaces are made: see enter_root
  shift; enter_root "$@"
fi


suites=()
zip=""
pytest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --zip) zip=$2; shift 2 ;;
    --) shift; pytest_args=("$@"); break ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) suites+=("$1"); shift ;;
  esac
done
[ ${#suites[@]} -gt 0 ] || suites=(trixie forky)

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, unshare, chroot)"
[ -d "$SHARED/data" ] || die "../shared not found at $SHARED (set S2GM_SHARED)"
if [ -n "$zip" ]; then
  zip=$(cd "$(dirname "$zip")" && pwd)/$(basename "$zip")
  [ -f "$zip" ] || die "no plugin zip at $zip"
fi
for tool in debootstrap unshare chroot; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install debootstrap util-linux coreutils)"
done
mkdir -p "$CACHE/results" "$CACHE/stamps"
# One run at a time per cache (set-up and results are shared).
exec 9>"$CACHE/lock"
flock -n 9 || die "another matrix run is using $CACHE"

trap 'log "interrupted"; exit 130' INT TERM

started=$SECONDS
# Set-up of the roots is mostly download and unpacking: the suites are set up side by side.
pids=()
for suite in "${suites[@]}"; do
  ensure_root "$suite" & pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
[ $status = 0 ] || die "set-up failed"
log "roots ready in $((SECONDS - started)) s"

failed=()
for suite in "${suites[@]}"; do
  out="$CACHE/results/$suite"
  rm -rf "$out"; mkdir -p "$out"
  [ -z "$zip" ] || cp "$zip" "$out/plugin.zip"
  log "$suite: tests/qgis"
  t0=$SECONDS
  if in_root "$CACHE/$suite" "$out" /work/repo/tests/matrix/inside.sh test "${pytest_args[@]}" \
      2>&1 | tee "$out/pytest.log"; then
    log "$suite: passed in $((SECONDS - t0)) s (junit: $out/junit.xml)"
  else
    log "$suite: FAILED after $((SECONDS - t0)) s (log: $out/pytest.log)"
    failed+=("$suite")
  fi
done
log "matrix done in $((SECONDS - started)) s"
[ ${#failed[@]} = 0 ] || die "failed on: ${failed[*]}"
