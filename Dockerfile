# Code Racer's API server with the core language runtimes.
#
#   docker build -t coderacer .                            core languages (python3, node, go, php, java, ruby, c, c++, bash)
#   docker build -t coderacer --build-arg LIBRARIES=yes .  the same and their libraries (numpy, scipy, pandas, ..., Boost; about 0.5 GB more)
#   docker build -t coderacer --build-arg LANGUAGES=all .  every language of runtimes/ and every library (about 4 GB)
#
# The sandbox needs privileges a default container lacks: see README.md,
# section "Docker", for the docker run line, or use compose.yaml.

FROM golang:1.26-bookworm AS build
# Names this stage's images, which every build leaves untagged, so that
# scripts/container-test.sh can remove those of earlier builds.
LABEL org.coderacer.stage=build
ARG LANGUAGES=core
# The runtimes' libraries (the "libraries" of runtimes/*.json): yes or no;
# LANGUAGES=all has them all whatever this says. No by default: the
# default image stays small (and the suite's container test quick).
ARG LIBRARIES=no
WORKDIR /src
# Modules first: this layer stays cached until go.mod or go.sum changes.
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY client ./client
COPY internal ./internal
COPY runtimes ./runtimes
ARG VERSION=dev
# Static: the final stage needs no Go toolchain nor a matching libc. The
# build cache would only weigh on this layer: a source change rebuilds it.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/coderacer ./cmd/coderacer && \
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/coderacer-init ./cmd/coderacer-init && \
	go clean -cache
# The runtimes' packages, from the runtime files as for scripts/setup.sh.
RUN case "${LANGUAGES}" in core) all= ;; all) all=--all ;; \
	*) echo "LANGUAGES must be core or all, not '${LANGUAGES}'" >&2; exit 1 ;; esac; \
	case "${LIBRARIES}" in yes) libraries=--libraries ;; no) libraries= ;; \
	*) echo "LIBRARIES must be yes or no, not '${LIBRARIES}'" >&2; exit 1 ;; esac; \
	/out/coderacer packages ${all} ${libraries} >/out/packages.txt && \
	/out/coderacer packages --npm ${all} >/out/npm-packages.txt

FROM debian:bookworm
# The lists first and the binary last: a code change does not reinstall
# the languages (the lists' layer is reused while their content is the same).
COPY --from=build /out/packages.txt /out/npm-packages.txt /usr/local/lib/coderacer/
COPY scripts/container-install.sh /usr/local/lib/coderacer/container-install.sh
RUN /usr/local/lib/coderacer/container-install.sh /usr/local/lib/coderacer/packages.txt /usr/local/lib/coderacer/npm-packages.txt
COPY --from=build /out/coderacer /out/coderacer-init /usr/local/bin/
ENV PORT=8000
EXPOSE 8000
# Queued submissions and their results (CODERACER_DATA_DIR).
VOLUME /var/lib/coderacer
# bash's /dev/tcp: no curl in the image for this alone.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
	CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf 'GET /api/v1/health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# SIGTERM (docker stop) lets running jobs finish and removes the cgroups.
STOPSIGNAL SIGTERM
# The server remounts the container's read-only cgroup mounts read-write
# itself (it has CAP_SYS_ADMIN, which the sandbox needs anyway).
ENTRYPOINT ["/usr/local/bin/coderacer"]
CMD ["serve"]
