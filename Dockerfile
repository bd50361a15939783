# Hub node image (see docker-compose.yml). Front-end packages come from npm at build time.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub hub
COPY signaling signaling
COPY media media
COPY rooms rooms
COPY recorder recorder
COPY command_center command_center
COPY web web
COPY --from=web /src/web/node_modules web/node_modules
RUN pip install --no-cache-dir .
EXPOSE 8080
CMD ["mediation-hub", "serve", "--host", "0.0.0.0", "--port", "8080", "--data-dir", "/data"]
