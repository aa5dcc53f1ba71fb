#!/usr/bin/env bash
# The packages, as an admin gets them: CPack makes the .deb, the .rpm (when rpmbuild is
# there; scripts/install-packaging-deps.sh installs it) and the tarball from a build folder
# that is already built, into a throwaway folder. Each package must hold exactly the
# expected files: the binary, the man page, the three completions, every file of templates/
# and the example rollout file, README and licence. The .deb must depend on the package of
# every library the binary links, and the .rpm require each by soname. The .deb is then
# unpacked into a throwaway root, whose binary must print the project's version and run
# `apply --dry-run` on the installed example in a throwaway home (inside a network namespace
# with only loopback when root can make one: nothing can leave the machine).
#
#   bash scripts/test-packaging.sh BUILD_DIR VERSION
set -uo pipefail

build="$(realpath "$1")"
version="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/install-packaging-deps.sh" || exit 1

# shellcheck source=scripts/test-lib.sh
source "$here/scripts/test-lib.sh"

# Every file a package must hold, below PREFIX (/usr, or the tarball's top folder).
expected_files() { # PREFIX
  {
    printf "$1/%s\n" bin/aigw-setup share/man/man1/aigw-setup.1 \
      share/bash-completion/completions/aigw-setup share/zsh/site-functions/_aigw-setup \
      share/fish/vendor_completions.d/aigw-setup.fish \
      share/doc/aigw-setup/examples/rollout.example.yaml \
      share/doc/aigw-setup/README.md share/doc/aigw-setup/LICENSE
    (cd "$here/templates" && find . -type f) | sed "s|^\./|$1/share/aigw-setup/templates/|"
  } | LC_ALL=C sort
}

generators="DEB;TGZ"
command -v rpmbuild >/dev/null && generators="DEB;TGZ;RPM"
(cd "$build" && cpack -G "$generators" -B "$work/out") > "$work/cpack.log" 2>&1
check "cpack -G $generators" 0 "$?"
deb="$(ls "$work"/out/*.deb 2>/dev/null)"
tgz="$(ls "$work"/out/*.tar.gz 2>/dev/null)"
rpm="$(ls "$work"/out/*.rpm 2>/dev/null)"
[ -n "$deb" ] || { cat "$work/cpack.log"; exit 1; }

# --- The Debian package: its files, its dependencies, then the installed binary.
check ".deb: its files" "$(expected_files /usr)" "$(dpkg-deb --contents "$deb" |
  awk '/^-/ { sub(/^\./, "", $NF); print $NF }' | LC_ALL=C sort)"
check ".deb: its name and version" "aigw-setup $version" \
  "$(dpkg-deb -f "$deb" Package Version | sed 's/^[A-Za-z]*: //' | paste -sd' ')"

root="$work/root"
dpkg -x "$deb" "$root"
binary="$root/usr/bin/aigw-setup"
depends="$(dpkg-deb -f "$deb" Depends)"
needed="$(readelf -d "$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')"
for soname in $needed; do
  path="$(ldd "$binary" | awk -v name="$soname" '$1 == name { print $3 }')"
  package="$( (dpkg -S "$path" 2>/dev/null || dpkg -S "/usr$path") | head -1 | cut -d: -f1)"
  check ".deb: depends on $package (for $soname)" "$package" \
    "$(tr ',' '\n' <<< "$depends" | awk '{ print $1 }' | grep -xF "$package" || echo "$depends")"
done

check "installed: --version" "aigw-setup $version" "$("$binary" --version)"
example="$root/usr/share/doc/aigw-setup/examples/rollout.example.yaml"
check "installed: the example is the source's" "" \
  "$(cmp "$here/templates/rollout.example.yaml" "$example" 2>&1)"

# Only the token the example names comes from the environment; its URLs are never called.
isolate=()
[ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null && isolate=(unshare --net)
home="$work/home"
mkdir -p "$home"
env -i PATH=/usr/bin:/bin HOME="$home" AIGW_DATABRICKS_TOKEN=not-a-real-token \
  "${isolate[@]}" "$binary" --home "$home" --dry-run apply -f "$example" \
  > "$work/dry-run.out" 2> "$work/dry-run.err"
check "installed: apply --dry-run on the example exits 0" 0 "$?"
check "installed: the dry run's last line" "dry run: nothing was written" \
  "$(tail -1 "$work/dry-run.out")"
check "installed: the dry run's plan" "step parse: ok: version 1, agents claude codex gemini cursor
step configure: ok: 5 files: 5 created, 0 changed, 0 unchanged" \
  "$(grep -E '^step (parse|configure):' "$work/dry-run.out")"
check "installed: the dry run wrote nothing" "" "$(cd "$home" && find . -mindepth 1)"

# --- The tarball and the RPM: the same files.
top="$(basename "$tgz" .tar.gz)"
check "tarball: its files" "$(expected_files "$top")" \
  "$(tar -tzf "$tgz" | grep -v '/$' | LC_ALL=C sort)"
if [ -n "$rpm" ]; then
  check ".rpm: its files" "$(expected_files /usr)" \
    "$(rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" | awk '/^-/ { print $2 }' |
      LC_ALL=C sort)"
  check ".rpm: the folders it owns, none shared" "/usr/share/aigw-setup
/usr/share/aigw-setup/templates
/usr/share/doc/aigw-setup
/usr/share/doc/aigw-setup/examples" \
    "$(rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" | awk '/^d/ { print $2 }' |
      LC_ALL=C sort)"
  requires="$(rpm -qpR "$rpm")"
  for soname in $needed; do
    check ".rpm: requires $soname" 1 "$(grep -c "^$soname()(64bit)" <<< "$requires")"
  done
else
  echo "skipped: the .rpm (no rpmbuild here)"
fi

# Homebrew is not on this machine; Ruby's own parser checks the formula at least.
check "homebrew: the formula parses" "Syntax OK" \
  "$(ruby -c "$(dirname "$0")/../packaging/homebrew/aigw-setup.rb" 2>&1)"

summary packaging || { echo "--- cpack:"; cat "$work/cpack.log"; exit 1; }
