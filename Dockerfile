# syntax=docker/dockerfile:1
# pm-sync in a container. Three stages:
#   build    compiles a static (musl) binary on Alpine
#   alpine   pm-sync + sh + git + CA certificates: for CI jobs that run scripts (GitLab CI)
#   runtime  (default) pm-sync alone on distroless/static: CA certificates, no shell, non-root
#
#   docker build -t pm-sync .                       # the runtime image
#   docker build --target alpine -t pm-sync:alpine .
#   docker run --rm -v "$PWD:/work" -u "$(id -u):$(id -g)" pm-sync check --offline postmortems/
#
# Release images: ghcr.io/OWNER/pm-sync:X.Y.Z and :X.Y.Z-alpine (release.yml).

ARG RUST_VERSION=1.95
ARG ALPINE_VERSION=3.22

# The binary is static, so the build's Alpine need not match the alpine stage's.
FROM rust:${RUST_VERSION}-alpine AS build
# ring (TLS) compiles a little C: a compiler and the C library headers. Not pinned: the base
# image tag pins the Alpine release, and its repository keeps only the current patch version.
# hadolint ignore=DL3018
RUN apk add --no-cache gcc musl-dev
WORKDIR /src
COPY . .
# Cache mounts keep the registry and target/ between builds on the same builder; the binary is
# copied out because the mounted target/ is not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --release --bin pm-sync \
    && cp target/release/pm-sync /usr/local/bin/pm-sync
RUN pm-sync --version

FROM alpine:${ALPINE_VERSION} AS alpine
# hadolint ignore=DL3018
RUN apk add --no-cache ca-certificates git \
    && adduser -D -u 10001 -h /home/pm-sync pm-sync
COPY --from=build /usr/local/bin/pm-sync /usr/local/bin/pm-sync
USER 10001:10001
ENV HOME=/home/pm-sync
WORKDIR /work
ENTRYPOINT ["pm-sync"]
CMD ["--help"]

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=build /usr/local/bin/pm-sync /usr/local/bin/pm-sync
# 65532 is distroless's "nonroot" user; the image has /etc/ssl/certs/ca-certificates.crt, which pm-sync's
# platform verifier reads as the trust store.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/pm-sync"]
CMD ["--help"]
