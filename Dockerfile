# One image for web, worker and beat (see docker-compose.yml).
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
RUN npm run build

FROM python:3.13-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Pango and fonts for WeasyPrint (chronology PDFs). pg_dump and pg_restore for
# `manage.py backup`/`restore` must be of the server's major version (docker-compose.yml
# runs postgres:16) or newer: bookworm's own are 15, so PostgreSQL 16's client comes from
# the PostgreSQL project's apt repository (PGDG), its key pinned to that repository alone.
ARG POSTGRES_MAJOR=16
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation \
        "postgresql-client-${POSTGRES_MAJOR}" \
    && apt-get purge -y --auto-remove curl \
    && rm -rf /var/lib/apt/lists/* \
    && pg_dump --version | grep -q "(PostgreSQL) ${POSTGRES_MAJOR}\." \
    && pg_restore --version | grep -q "(PostgreSQL) ${POSTGRES_MAJOR}\."
RUN useradd --create-home --uid 1000 ssp
WORKDIR /app
COPY pyproject.toml LICENSE ./
# Every package pyproject.toml includes, so that `pip install .` installs the whole portal
# (tests/ssp/test_packaged_apps.py holds this list to pyproject's).
COPY ssp ./ssp
COPY schools ./schools
COPY agreements ./agreements
COPY incidents ./incidents
COPY referrals ./referrals
COPY reports ./reports
COPY api ./api
COPY encompass ./encompass
COPY records ./records
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /app/static/dist ./static/dist
COPY --from=assets /app/node_modules/govuk-frontend/dist ./node_modules/govuk-frontend/dist
COPY --from=assets /app/node_modules/@ministryofjustice/frontend/moj ./node_modules/@ministryofjustice/frontend/moj
# The image carries the licences of exactly what it installed (see LICENSE for the portal's).
RUN export DJANGO_SECRET_KEY=build-only MFA_ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    && python manage.py collectstatic --no-input \
    && python manage.py third_party_licences --output THIRD_PARTY_LICENCES.txt
USER ssp
EXPOSE 8000
CMD ["gunicorn", "ssp.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3"]
