#!/usr/bin/env bash
# Builds the idcard container image with podman (no Docker engine needed) and, with
# --check, runs it offline as its unprivileged user and waits for its health check.
#
# Usage: scripts/build-image.sh [--debian-base] [--check] [--no-build]
#   --debian-base  build FROM a minimal Debian bookworm (python3 + venv) made here with
#                  debootstrap, for machines that reach Debian's mirror but not Docker Hub
#   --check        run the image with no network, read-only root, all capabilities
#                  dropped; wait until `podman healthcheck run` passes, then read a
#                  fixture card through the HTTP API inside the container
#   --no-build     only the check, on the image built before
# Environment:
#   IDCARD_IMAGE     image name (default localhost/idcard:latest)
#   BASE_IMAGE       overrides the Dockerfile's python:3.11-slim
#   PODMAN_OPTS      podman's global options (default: --storage-driver vfs)
#   RUN_OPTS         more `podman run` options for --check (e.g. --ulimit, see README)
#   BUILD_CA_BUNDLE  a CA bundle pip must trust at build time (TLS-inspecting proxy);
#                    bind-mounted for the build only, not copied into the image
#   DEBIAN_MIRROR    for --debian-base (default http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")/.."

image="${IDCARD_IMAGE:-localhost/idcard:latest}"
debian_base_image="localhost/idcard-base:bookworm"
# shellcheck disable=SC2206  # word-split on purpose: a list of options
podman=(podman ${PODMAN_OPTS:---storage-driver vfs})
# shellcheck disable=SC2206
run_opts=(${RUN_OPTS:-})
debian_base=false
check=false
build=true
for arg in "$@"; do
    case "$arg" in
        --debian-base) debian_base=true ;;
        --check) check=true ;;
        --no-build) build=false ;;
        *) echo "usage: $0 [--debian-base] [--check] [--no-build]" >&2; exit 2 ;;
    esac
done

build_debian_base() {
    if "${podman[@]}" image exists "$debian_base_image"; then
        echo "base image $debian_base_image exists"
        return
    fi
    command -v debootstrap >/dev/null || { echo "needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
    local rootfs
    rootfs="$(mktemp -d /var/tmp/idcard-base.XXXXXX)"
    # The packages python:3.11-slim has that install.sh needs: python3 -m venv, pip's
    # TLS roots. minbase already has useradd (passwd) and libstdc++ (onnxruntime).
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
    chmod 755 "$rootfs"  # mktemp made it 0700: the image's / must be traversable by uid 10001
    chroot "$rootfs" apt-get clean
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/tmp/*
    tar -C "$rootfs" --numeric-owner -c . \
        | "${podman[@]}" import --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' \
            - "$debian_base_image"
    rm -rf "$rootfs"
}

build_args=()
if [ "$build" = false ]; then
    :
elif [ "$debian_base" = true ]; then
    build_debian_base
    build_args+=(--build-arg "BASE_IMAGE=$debian_base_image")
elif [ -n "${BASE_IMAGE:-}" ]; then
    build_args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
fi
if [ -n "${BUILD_CA_BUNDLE:-}" ]; then
    build_args+=(--volume "$(realpath "$BUILD_CA_BUNDLE"):/run/build-ca.pem:ro"
                 --build-arg PIP_CERT=/run/build-ca.pem)
fi

# --format docker keeps the HEALTHCHECK (the OCI image format has no field for it);
# chroot isolation builds inside an unprivileged sandbox without nested namespaces.
if [ "$build" = true ]; then
    "${podman[@]}" build --isolation chroot --format docker "${build_args[@]}" -t "$image" .
    echo "built $image ($("${podman[@]}" image inspect --format '{{.Size}}' "$image") bytes)"
fi

if [ "$check" = false ]; then
    exit 0
fi

name="idcard-check-$$"
# shellcheck disable=SC2317  # run by the trap
cleanup() { "${podman[@]}" rm --force --ignore "$name" >/dev/null; }
trap cleanup EXIT
# --read-only also mounts a tmpfs on /tmp; the interval is off because the check below
# runs the health check itself (no systemd timer needed).
"${podman[@]}" run --detach --name "$name" --network none --read-only --cap-drop ALL \
    --security-opt no-new-privileges --health-interval disable "${run_opts[@]}" "$image" \
    >/dev/null
uid="$("${podman[@]}" exec "$name" id -u)"
[ "$uid" != 0 ] || { echo "the container runs as root" >&2; exit 1; }
echo "container runs as uid $uid, no network, read-only root"

# Model loading and warm-up take a few seconds (longer on a loaded machine).
for _ in $(seq 1 90); do
    if "${podman[@]}" healthcheck run "$name" >/dev/null 2>&1; then
        echo "health check passed (/readyz 200)"
        "${podman[@]}" exec --interactive "$name" .venv/bin/python - <<'EOF'
import base64, json, urllib.request
body = json.dumps({"image_base64": base64.b64encode(
    open("fixtures/front_photo_000.jpg", "rb").read()).decode()}).encode()
request = urllib.request.Request("http://127.0.0.1:8000/v1/idcard", data=body,
                                 headers={"content-type": "application/json"})
card = json.load(urllib.request.urlopen(request, timeout=60))
found = sorted(name for name, field in card["fields"].items() if field)
print(f"POST /v1/idcard: side {card['side']}, fields {', '.join(found)}")
assert card["side"] == "front" and card["fields"]["id_number"], card
EOF
        exit 0
    fi
    sleep 2
done
echo "health check did not pass within 180 s; container log:" >&2
"${podman[@]}" logs "$name" >&2
exit 1
