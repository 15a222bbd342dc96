# sms-simulator: the simulator with its built-in demo config, listening on 0.0.0.0:8090.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY simulator ./simulator
RUN pip install . \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin sim

# The admin API (/_sim/*) is open unless a token is set: docker run -e SMS_SIMULATOR_ADMIN_TOKEN=… (the
# server warns at start when it listens on 0.0.0.0 without one).  /_sim/health answers without it.
# Serve options come from the environment (docs/ci.md), so overriding the command (`sms-simulator serve
# --seed 7`, a service container's `command:`) still listens on 0.0.0.0:8090.
ENV SMS_SIMULATOR_HOST=0.0.0.0 \
    SMS_SIMULATOR_PORT=8090
USER sim
EXPOSE 8090
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8090/_sim/health', timeout=2)"]
CMD ["sms-simulator", "serve"]
