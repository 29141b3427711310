# MASH front door: one image for web (gunicorn), Celery worker and Celery beat.
# Build: docker build -t mash .    Run: see docker-compose.yml.

# --- front-end packages (GOV.UK Frontend, htmx, Chart.js) ---------------------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
# axe-core is a devDependency (browser tests only); the image does not need it.
RUN npm ci --no-audit --no-fund --omit=dev

# --- application ----------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    MASH_VAR_DIR=/app/var

WORKDIR /app

# psycopg[binary] and the other wheels need no compiler; libpq comes with psycopg-binary.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .
# node_modules from the assets stage, never one from the build context.
RUN rm -rf node_modules
COPY --from=assets /app/node_modules ./node_modules

# Static files, hashed and compressed by WhiteNoise. Production settings refuse a weak secret key,
# so collectstatic gets a throwaway one that exists only in this build step.
RUN DJANGO_SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 --home-dir /app mash \
 && mkdir -p /app/var \
 && chown -R mash /app/var

USER mash
EXPOSE 8000

CMD ["gunicorn", "mash.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", \
     "--access-logfile", "-", "--error-logfile", "-", "--no-control-socket"]
