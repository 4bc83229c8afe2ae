# Contract Monitor: a slim, non-root image running `monitor run`.
#   docker build -t contract-monitor .
#   docker run -v $PWD/config.yaml:/etc/monitor/config.yaml:ro -e MONITOR_DATABASE_URL=... contract-monitor
# /etc/monitor is read-only and a relative SQLite path is read against the config's directory:
# keep SQLite in the writable data directory, MONITOR_DATABASE_URL=sqlite:////var/lib/monitor/monitor.db
# The build stage makes wheels (ours and every locked dependency, hashes checked); the runtime stage installs
# them offline into /opt/monitor with packaging/install.sh, the same script the packaging test
# runs, and carries no compiler, no pip cache and no source tree. The shipped contract is package
# data of the wheel: `contract: builtin:openai-chat-completions` works in the image.

# A full version tag, so a rebuild gets the same Python; to pin the exact image too, append its
# digest: docker buildx imagetools inspect python:3.11.14-slim-bookworm  (first "Digest:" line)
#   docker build --build-arg PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:<digest> .
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY requirements ./requirements
COPY monitor ./monitor
COPY packaging/build-wheels.sh /usr/local/bin/build-wheels
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN build-wheels /src /wheels

FROM ${PYTHON_IMAGE} AS runtime
ARG PYTHON_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
# OCI annotations (https://github.com/opencontainers/image-spec/blob/main/annotations.md);
# a release build passes --build-arg VERSION=... --build-arg REVISION=$(git rev-parse HEAD)
LABEL org.opencontainers.image.title="contract-monitor" \
      org.opencontainers.image.description="Contract drift monitor for OpenAI-compatible LLM APIs" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/contract-monitor/contract-monitor" \
      org.opencontainers.image.documentation="https://github.com/contract-monitor/contract-monitor#readme" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/monitor/bin:$PATH
COPY packaging/install.sh /usr/local/bin/install-monitor
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    install-monitor /wheels /opt/monitor \
    && groupadd --system --gid 10001 monitor \
    && useradd --system --uid 10001 --gid monitor --home-dir /var/lib/monitor \
       --create-home --shell /usr/sbin/nologin monitor \
    && mkdir -p /etc/monitor
WORKDIR /var/lib/monitor
USER 10001:10001
# api.listen must be 0.0.0.0:8080 in a container (with api.token_env set): /healthz, /readyz,
# /metrics and the query API
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["monitor", "healthcheck", "--config", "/etc/monitor/config.yaml"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["monitor", "run", "--config", "/etc/monitor/config.yaml"]
