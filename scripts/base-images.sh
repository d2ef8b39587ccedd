#!/usr/bin/env bash
# Makes sure every base image the project's Dockerfiles and docker-compose.yml name exists in the local Docker
# engine. For each one: already there → nothing to do; the registry answers → `docker pull`; no registry → build an
# offline stand-in from Debian packages only (debootstrap bookworm into a cached folder, `docker import`, then the
# small Dockerfiles under docker/base-images/) and tag it with exactly the name the project uses.
#
# A machine that can pull from Docker Hub never needs the stand-ins: `docker compose up --build` pulls the real
# images, and this script pulls them too. The stand-ins exist so the real compose file can run where no container
# registry is reachable (this project's CI machines). They are faithful where the project depends on them: users,
# paths, entrypoints and commands, and the Rust toolchain version of the tag; nginx and Mosquitto are Debian's
# versions (1.22, 2.0.11), not the tags'.
#
#   scripts/base-images.sh            ensure every base image (seconds when they are all there)
#   scripts/base-images.sh --list     print the base image names the project uses, one a line
#   scripts/base-images.sh --no-pull  never ask a registry; build stand-ins for what is missing
#   scripts/base-images.sh --rebuild  rebuild every stand-in (a pulled, real image is never replaced)
#
# Cache: the debootstrapped tree is kept as a tarball in $BASE_IMAGES_CACHE (default
# ~/.cache/sensors-monitoring/base-images), so after `docker system prune -a` the stand-ins come back without
# debootstrap. A stand-in is rebuilt when its folder under docker/base-images/ changes (a label holds its hash).
# The stand-ins trust the host's extra CA certificates (/usr/local/share/ca-certificates), so builds on them reach
# crates.io and static.rust-lang.org where the machine's egress inspects TLS.
# Needs root (or sudo) for debootstrap, which is installed from Debian's packages when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${BASE_IMAGES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sensors-monitoring/base-images}
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
ROOTFS_TAR="$CACHE/debian-$SUITE-minbase.tar"
ROOTFS_IMAGE=sensors-monitoring/debian-$SUITE:rootfs
DEBIAN_IMAGE=sensors-monitoring/debian-$SUITE:base
# Images the project builds itself (docker-compose.yml `image:` of services with `build:`): not base images.
PROJECT_IMAGES=sensors-monitoring/
LABEL=org.sensors-monitoring.stand-in
STAND_INS=docker/base-images

say() { printf '%s\n' "base-images: $*" >&2; }
die() { say "$*"; exit 1; }
need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The base images the project names: FROM lines of its Dockerfiles (not stage names, not scratch) and the compose
# file's images that it does not build itself.
base_image_names() {
  {
    for dockerfile in sensor-node/Dockerfile frontend/Dockerfile; do
      awk 'toupper($1) == "FROM" {
             image = $2; if (image ~ /^--/) image = $3
             for (i = 1; i <= NF; i++) if (toupper($i) == "AS") stages[$(i + 1)] = 1
             if (image != "scratch" && !(image in stages)) print image
           }' "$dockerfile"
    done
    awk '$1 == "image:" { print $2 }' docker-compose.yml | tr -d '"'"'" | grep -v "^$PROJECT_IMAGES"
  } | sort -u
}

# stand_in <image name> → "<folder under docker/base-images> [build-arg …]", or nothing if there is none.
stand_in() {
  case $1 in
    rust:*-slim-bookworm) local version=${1#rust:}; echo "rust RUST_VERSION=${version%-slim-bookworm}" ;;
    nginx:*-alpine) echo "nginx" ;;
    eclipse-mosquitto:2.*) echo "mosquitto" ;;
    *) ;;
  esac
}

exists() { docker image inspect "$1" >/dev/null 2>&1; }
label_of() { docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }
# The stand-in's identity: its folder's files and the Debian base image it is built on.
stand_in_hash() {
  { (cd "$STAND_INS/$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); docker image inspect --format '{{.Id}}' "$DEBIAN_IMAGE"; } |
    sha256sum | cut -c1-16
}

ensure_rootfs_image() {
  if exists "$ROOTFS_IMAGE"; then return; fi
  if [ ! -s "$ROOTFS_TAR" ]; then
    command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || {
      say "installing debootstrap"
      need_root apt-get update -q
      need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
    }
    mkdir -p "$CACHE"
    local tree
    tree=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    # shellcheck disable=SC2064 # expand now: the folder to remove is this one
    trap "need_root rm -rf '$tree'" EXIT
    say "debootstrap $SUITE (minbase) from $MIRROR into $tree (about a minute)"
    need_root env PATH="/usr/sbin:/sbin:$PATH" debootstrap --variant=minbase --include=ca-certificates \
      "$SUITE" "$tree" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
      die "debootstrap failed; see $CACHE/debootstrap.log"
    need_root rm -rf "$tree/var/cache/apt/archives/"*.deb "$tree/var/lib/apt/lists/"*
    need_root tar -C "$tree" --numeric-owner -cf "$ROOTFS_TAR.part" .
    need_root chown "$(id -u):$(id -g)" "$ROOTFS_TAR.part"
    mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
    need_root rm -rf "$tree"
    trap - EXIT
  fi
  say "docker import $ROOTFS_TAR as $ROOTFS_IMAGE"
  docker import --change 'CMD ["bash"]' "$ROOTFS_TAR" "$ROOTFS_IMAGE" >/dev/null
}

ensure_debian_image() {
  local context hash
  context=$(mktemp -d)
  mkdir "$context/ca"
  cp "$STAND_INS/debian/Dockerfile" "$context/"
  for ca in /usr/local/share/ca-certificates/*.crt; do [ -f "$ca" ] && cp "$ca" "$context/ca/"; done
  hash=$({ (cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum); docker image inspect --format '{{.Id}}' "$ROOTFS_IMAGE"; } | sha256sum | cut -c1-16)
  if [ "$(label_of "$DEBIAN_IMAGE")" != "$hash" ]; then
    say "building $DEBIAN_IMAGE"
    docker build -q --label "$LABEL=$hash" --build-arg "ROOTFS=$ROOTFS_IMAGE" -t "$DEBIAN_IMAGE" "$context" >/dev/null
  fi
  rm -rf "$context"
}

build_stand_in() { # build_stand_in <image name> <folder> [NAME=value build args…]
  local image=$1 folder=$2; shift 2
  local args=() hash start
  for arg in "$@"; do args+=(--build-arg "$arg"); done
  hash=$(stand_in_hash "$folder")
  if [ -z "$rebuild" ] && [ "$(label_of "$image")" = "$hash" ]; then return; fi
  start=$SECONDS
  say "building stand-in $image from $STAND_INS/$folder"
  docker build --label "$LABEL=$hash" --build-arg "BASE=$DEBIAN_IMAGE" "${args[@]}" -t "$image" "$STAND_INS/$folder" \
    >"$CACHE/build-$folder.log" 2>&1 || { tail -n 30 "$CACHE/build-$folder.log" >&2; die "building $image failed"; }
  say "built $image in $((SECONDS - start)) s"
}

pull=1
rebuild=
case ${1:-} in
  --list) base_image_names; exit 0 ;;
  --no-pull) pull= ;;
  --rebuild) pull= rebuild=1 ;;
  "") ;;
  -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
  *) die "unknown argument \`$1\` (try --help)" ;;
esac
docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info failed)"
mkdir -p "$CACHE"

missing=()
while read -r image; do
  folder=$(stand_in "$image")
  [ -n "$folder" ] || { exists "$image" && continue; die "$image is missing and there is no stand-in for it"; }
  if exists "$image"; then
    label=$(label_of "$image")
    # A real image (no stand-in label) stays; a stand-in is checked against its folder below.
    [ -z "$label" ] && continue
    [ -z "$rebuild" ] && [ "$label" = "$(stand_in_hash "${folder%% *}" 2>/dev/null || true)" ] && continue
  elif [ -n "$pull" ] && timeout 300 docker pull -q "$image" >/dev/null 2>&1; then
    say "pulled $image"
    continue
  fi
  missing+=("$image")
done < <(base_image_names)

if [ ${#missing[@]} -eq 0 ]; then
  say "all present: $(base_image_names | tr '\n' ' ')"
  exit 0
fi
ensure_rootfs_image
ensure_debian_image
for image in "${missing[@]}"; do
  # shellcheck disable=SC2046 # the folder and its build args are separate words
  build_stand_in "$image" $(stand_in "$image")
done
say "ready: $(base_image_names | tr '\n' ' ')"
