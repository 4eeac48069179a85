# The auditor as a container: `docker build -t auditor .` then
#   docker run --rm -v "$PWD:/scan:ro" auditor scan iac /scan --no-store
# Build stage: a wheel from this checkout, so the image holds exactly what `pip install` gives.
FROM python:3.12-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

FROM python:3.12-slim
# Which extras to install: all (every source), or e.g. iac for a small CI image.
ARG EXTRAS=all
# hadolint ignore=DL3013
RUN --mount=type=bind,from=build,source=/dist,target=/dist \
    for wheel in /dist/*.whl; do pip install --no-cache-dir "${wheel}[${EXTRAS}]"; done \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin auditor
# Never root: the scanner reads untrusted files and talks to cloud APIs.
USER 10001
WORKDIR /home/auditor
# Scan history goes to the user's data folder unless --store or --no-store says otherwise.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
ENTRYPOINT ["auditor"]
CMD ["--help"]
