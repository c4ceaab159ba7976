# Multi-stage: build a wheel-complete virtualenv, then copy it into a slim runtime image.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md NOTICE ./
COPY app ./app
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/srv/pantau \
    PANTAU_HOST=0.0.0.0 \
    PANTAU_PORT=8000 \
    PANTAU_DATABASE_URL=sqlite+aiosqlite:////data/pantau.db
RUN useradd --create-home --uid 10001 pantau && mkdir /data && chown pantau /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/pantau
# Migrations are read from the project root next to the installed package's data.
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
USER pantau
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(0)"
CMD ["sh", "-c", "pantau db upgrade && exec pantau serve"]
