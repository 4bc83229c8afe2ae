# Contract Monitor: a slim, non-root image running `monitor run`.
#   docker build -t contract-monitor .
#   docker run -v $PWD/config.yaml:/etc/monitor/config.yaml:ro -e MONITOR_DATABASE_URL=... contract-monitor
# /etc/monitor is read-only and a relative SQLite path is read against the config's directory:
# keep SQLite in the writable data directory, MONITOR_DATABASE_URL=sqlite:////var/lib/monitor/monitor.db
# The build stage makes wheels (ours and every pinned dependency); the runtime stage installs
# them offline into /opt/monitor with packaging/install.sh, the same script the packaging test
# runs, and carries no compiler, no pip cache and no source tree.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY monitor ./monitor
COPY packaging/build-wheels.sh /usr/local/bin/build-wheels
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN build-wheels /src /wheels

FROM ${PYTHON_IMAGE} AS runtime
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
