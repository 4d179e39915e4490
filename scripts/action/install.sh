#!/usr/bin/env bash
# Installs the pm-sync release binary for this runner (the GitHub Action's install step; also
# usable on any Linux, macOS or Windows/Git Bash host).
#
#   install.sh target               print the release target for RUNNER_OS/RUNNER_ARCH
#   install.sh resolve              print "version target asset install-dir" for the inputs
#   install.sh install              download, verify and unpack into the install dir
#
# Which pm-sync: the `version` input when given; else the release the action is pinned to
# (uses: OWNER/pm-sync@v0.2.0); else, when it is pinned to a commit or a branch
# (uses: OWNER/pm-sync@<sha>), that exact checkout built with cargo (cached per source tree,
# so minutes once, then seconds); else (a major tag like @v1) the latest release.
#
# Inputs (environment):
#   PM_SYNC_VERSION      "latest", a release like 0.2.0 / v0.2.0, "source" (build the action's
#                        own checkout), or empty (see above)
#   PM_SYNC_REPOSITORY   owner/name of the GitHub repository that publishes the releases; empty:
#                        taken from ACTION_PATH (…/_actions/OWNER/NAME/REF)
#   ACTION_PATH          where the runner checked out the action (github.action_path)
#   PM_SYNC_FROM_SOURCE  "true": when no release binary fits, `cargo install` from the tag
#   PM_SYNC_SERVER       https://github.com (tests point it at a local server)
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE (set by the runner)
#   GITHUB_OUTPUT, GITHUB_PATH (set by the runner; outputs and PATH are appended there)
set -euo pipefail

# Exit 2: a failure that must not fall back to another way of installing (bad checksum, bad input).
die() {
  printf 'pm-sync install: error: %s\n' "$*" >&2
  exit 2
}

# The release target that runs on this runner. The Linux builds are static (musl), so they run
# on any distribution; Windows on ARM runs the x86_64 build under emulation.
target() {
  local os="${RUNNER_OS:-$(uname -s)}" arch="${RUNNER_ARCH:-$(uname -m)}"
  case "$os/$arch" in
    Linux/X64 | Linux/x86_64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64 | Linux/aarch64 | Linux/arm64) echo aarch64-unknown-linux-musl ;;
    macOS/X64 | Darwin/x86_64) echo x86_64-apple-darwin ;;
    macOS/ARM64 | Darwin/arm64) echo aarch64-apple-darwin ;;
    Windows/X64 | Windows/ARM64 | MINGW*/x86_64 | MSYS*/x86_64) echo x86_64-pc-windows-msvc ;;
    *) return 1 ;;
  esac
}

# owner/name of the repository with the releases.
repository() {
  if [ -n "${PM_SYNC_REPOSITORY:-}" ]; then
    echo "$PM_SYNC_REPOSITORY"
    return
  fi
  # github.action_repository is empty inside composite actions (actions/runner#2525), so read
  # it from the checkout path: <runner>/_work/_actions/OWNER/NAME/REF.
  local path="${ACTION_PATH:-}"
  path="${path//\\//}"
  if [[ "$path" =~ /_actions/([^/]+)/([^/]+)/[^/]+/?$ ]]; then
    echo "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
    return
  fi
  die "cannot tell which repository publishes pm-sync (action path '${ACTION_PATH:-}'): set the action's 'repository' input, e.g. repository: OWNER/pm-sync"
}

# The action's own ref when it is a release tag (uses: OWNER/pm-sync@v0.2.0), else empty.
action_version() {
  local path="${ACTION_PATH:-}"
  path="${path//\\//}"
  if [[ "$path" =~ /_actions/[^/]+/[^/]+/v([0-9]+\.[0-9]+\.[0-9]+[^/]*)/?$ ]]; then
    echo "${BASH_REMATCH[1]}"
  fi
}

# The action's own ref when it is a commit or a branch (not a tag that looks like a version:
# neither v0.2.0 nor a major tag like v1), else empty.
action_source_ref() {
  local path="${ACTION_PATH:-}"
  path="${path//\\//}"
  if [[ "$path" =~ /_actions/[^/]+/[^/]+/([^/]+)/?$ ]]; then
    local ref="${BASH_REMATCH[1]}"
    [[ "$ref" =~ ^v[0-9]+(\.[0-9]+)*([-+].*)?$ ]] || echo "$ref"
  fi
}

# The version to install, without the leading v, or "source".
version() {
  local wanted="${PM_SYNC_VERSION:-}"
  if [ -z "$wanted" ]; then
    wanted="$(action_version)"
    if [ -z "$wanted" ] && [ -n "$(action_source_ref)" ]; then
      wanted=source
    fi
    [ -n "$wanted" ] || wanted=latest
  fi
  if [ "$wanted" = source ]; then
    echo source
    return
  fi
  if [ "$wanted" = latest ]; then
    # /releases/latest redirects to /releases/tag/vX.Y.Z: no API call, no rate limit.
    local server="${PM_SYNC_SERVER:-https://github.com}" url
    url="$(curl --proto '=https,http' -fsSL -o /dev/null -w '%{url_effective}' \
      "$server/$(repository)/releases/latest")" ||
      die "cannot find the latest release of $(repository) at $server (set the 'version' input to pin one)"
    wanted="${url##*/}"
    [[ "$wanted" =~ ^v[0-9] ]] || die "$(repository) has no release yet ($url)"
  fi
  wanted="${wanted#v}"
  [[ "$wanted" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
    die "version '$wanted' is not a release version like 0.2.0 (or 'latest')"
  echo "$wanted"
}

# Archive name, as the release workflow (scripts/package) writes it.
asset() {
  local version="$1" target="$2" ext=tar.gz
  case "$target" in *windows*) ext=zip ;; esac
  echo "pm-sync-v$version-$target.$ext"
}

install_dir() {
  local base="${RUNNER_TOOL_CACHE:-${TMPDIR:-/tmp}}"
  echo "$base/pm-sync/$1/${2:-source}"
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# Downloads the archive and its .sha256, checks it, and unpacks the binary into $dir. Returns 1
# when the release has no such archive (the caller may build from source instead); dies on
# anything else. A subshell, so its temporary folder goes away however it ends; each command is
# checked by hand because `set -e` does not apply to a function called with `||`.
download() (
  version="$1" target="$2" dir="$3" server="${PM_SYNC_SERVER:-https://github.com}"
  name="$(asset "$version" "$target")"
  base="$server/$(repository)/releases/download/v$version"
  tmp="$(mktemp -d)" || die "cannot create a temporary folder"
  trap 'rm -rf "$tmp"' EXIT
  echo "pm-sync install: downloading $base/$name" >&2
  curl --proto '=https,http' -fsSL --retry 3 -o "$tmp/$name" "$base/$name" || exit 1
  curl --proto '=https,http' -fsSL --retry 3 -o "$tmp/$name.sha256" "$base/$name.sha256" ||
    die "$name.sha256 is missing from release v$version: refusing an unverified binary"
  expected="$(cut -d' ' -f1 <"$tmp/$name.sha256" | tr -d '\r\n')"
  actual="$(sha256 "$tmp/$name")" || die "cannot compute the checksum of $name"
  [ -n "$expected" ] && [ "$expected" = "$actual" ] ||
    die "checksum mismatch for $name: the release says ${expected:-nothing}, the download is $actual"
  mkdir -p "$tmp/unpacked" "$dir" || die "cannot create $dir"
  case "$name" in
    *.zip) (cd "$tmp/unpacked" && unzip -q "../$name") ;;
    *) tar -xzf "$tmp/$name" -C "$tmp/unpacked" ;;
  esac || die "cannot unpack $name"
  exe="$(exe_name "$target")"
  folder="${name%.tar.gz}"
  folder="${folder%.zip}"
  [ -f "$tmp/unpacked/$folder/$exe" ] || die "$name does not hold $folder/$exe"
  { cp "$tmp/unpacked/$folder/$exe" "$dir/$exe" && chmod +x "$dir/$exe"; } ||
    die "cannot copy $exe into $dir"
)

# Whether $1 is pm-sync $2 (`pm-sync 0.2.0` or `pm-sync 0.2.0 (git revision)`).
installed() {
  case "$("$1" --version 2>/dev/null) " in
    "pm-sync $2 "*) return 0 ;;
    *) return 1 ;;
  esac
}

exe_name() {
  case "$1" in
    *windows*) echo pm-sync.exe ;;
    *) echo pm-sync ;;
  esac
}

# cargo install from the release tag: slow (minutes), needs Rust; only when asked.
from_source() {
  local version="$1" dir="$2" repo
  repo="$(repository)"
  command -v cargo >/dev/null 2>&1 ||
    die "no release binary fits this runner and cargo is not installed"
  echo "pm-sync install: building v$version from source with cargo (this takes minutes)" >&2
  cargo install --locked --root "$dir.cargo" --git "${PM_SYNC_SERVER:-https://github.com}/$repo" \
    --tag "v$version" pm-sync
  mkdir -p "$dir"
  cp "$dir.cargo/bin/"pm-sync* "$dir/"
}

# The package version in the action's checkout (Cargo.toml's first `version = "…"`).
source_version() {
  local manifest="${ACTION_PATH:-.}/Cargo.toml" line
  [ -f "$manifest" ] || die "version 'source' needs the action's checkout, and $manifest is missing"
  line="$(grep -m1 -E '^version = "' "$manifest")" || die "no version in $manifest"
  line="${line#version = \"}"
  echo "${line%\"}"
}

# A short hash of the checkout's sources: the cache key of a source build, so another commit
# gets its own build and the same commit is built once.
source_hash() {
  local dir="${ACTION_PATH:-.}"
  # (find fails on a path that is absent, e.g. no build.rs: the files that exist still count)
  (cd "$dir" && { find Cargo.toml Cargo.lock build.rs src -type f 2>/dev/null || true; } |
    LC_ALL=C sort |
    while IFS= read -r f; do printf '%s\n' "$f"; cat "$f"; done) | sha256_stdin | cut -c1-16
}

sha256_stdin() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum | cut -d' ' -f1
  else
    shasum -a 256 | cut -d' ' -f1
  fi
}

# cargo install of the action's own checkout: the exact commit the workflow pinned. A release
# build without link-time optimisation and with parallel code generation: the same code,
# built in about half the time of the release archives' profile.
from_checkout() {
  local dir="$1"
  command -v cargo >/dev/null 2>&1 ||
    die "building pm-sync from the action's commit needs cargo (every GitHub-hosted runner has it); on this runner install Rust first (e.g. dtolnay/rust-toolchain), or pin a release: uses: OWNER/pm-sync@vX.Y.Z"
  echo "pm-sync install: building the action's own commit with cargo (minutes the first time; cached afterwards)" >&2
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked --root "$dir.cargo" --path "${ACTION_PATH:-.}" pm-sync
  mkdir -p "$dir"
  cp "$dir.cargo/bin/"pm-sync* "$dir/"
}

# Appends name=value to the step outputs, when running as an action step.
output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

main() {
  local mode="${1:-install}" version target dir
  case "$mode" in
    target)
      target || die "no pm-sync release for ${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}"
      return
      ;;
    resolve | install) ;;
    *) die "unknown mode '$mode' (target, resolve or install)" ;;
  esac
  version="$(version)"
  if [ "$version" = source ]; then
    source_main "$mode"
    return
  fi
  target="$(target || true)"
  dir="$(install_dir "$version" "$target")"
  if [ "$mode" = resolve ]; then
    output version "$version"
    output target "$target"
    output dir "$dir"
    echo "$version ${target:--} $( [ -n "$target" ] && asset "$version" "$target" || echo -) $dir"
    return
  fi
  local exe rc=0
  exe="$dir/$(exe_name "$target")"
  if [ -x "$exe" ] && installed "$exe" "$version"; then
    echo "pm-sync install: $version already in $dir" >&2
    rc=0
  elif [ -n "$target" ]; then
    download "$version" "$target" "$dir" || rc=$?
  else
    rc=1
  fi
  if [ "$rc" -eq 1 ]; then
    if [ "${PM_SYNC_FROM_SOURCE:-false}" = true ]; then
      from_source "$version" "$dir"
    elif [ -z "$target" ]; then
      die "no pm-sync release for ${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}; set from-source: true to build it with cargo"
    else
      die "release v$version of $(repository) has no $(asset "$version" "$target"); check the version, or set from-source: true to build it with cargo"
    fi
  elif [ "$rc" -ne 0 ]; then
    exit "$rc"
  fi
  installed "$exe" "$version" || die "$exe is not pm-sync $version, or does not run on this runner"
  "$exe" --version >&2
  output version "$version"
  output dir "$dir"
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$dir" >>"$GITHUB_PATH"
  fi
}

# resolve/install when the action builds its own checkout. The version output is the package
# version plus the source hash (0.2.0+source.0123456789abcdef), which is also the cache key.
source_main() {
  local mode="$1" version hash dir exe
  version="$(source_version)"
  hash="$(source_hash)"
  dir="$(install_dir "$version+source.$hash" "")"
  if [ "$mode" = resolve ]; then
    output version "$version+source.$hash"
    output target ""
    output dir "$dir"
    echo "$version+source.$hash source - $dir"
    return
  fi
  exe="$dir/pm-sync"
  [ -x "$exe" ] || exe="$dir/pm-sync.exe"
  if [ -x "$exe" ] && installed "$exe" "$version"; then
    echo "pm-sync install: this commit's build is already in $dir" >&2
  else
    from_checkout "$dir"
    exe="$dir/pm-sync"
    [ -x "$exe" ] || exe="$dir/pm-sync.exe"
  fi
  installed "$exe" "$version" || die "$exe is not pm-sync $version, or does not run on this runner"
  "$exe" --version >&2
  output version "$version+source.$hash"
  output dir "$dir"
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$dir" >>"$GITHUB_PATH"
  fi
}

main "$@"
