# syntax=docker/dockerfile:1
#
# s3-sentinel container image.
#
#   docker build -t s3-sentinel .
#   docker run --rm -v "$PWD/my-config.yaml:/etc/s3-sentinel/config.yaml:ro" s3-sentinel
#
# Paths inside the image (see docs/deployment.md):
#   /app/dist/cli.js                 the CLI (ENTRYPOINT)
#   /app/rules                       the built-in rule pack
#   /app/config                      example configs
#   /etc/s3-sentinel/config.yaml     the config the default CMD reads (mount yours here)
#   /etc/s3-sentinel/rules           mount extra rules here and list it under rules.paths
#
# Node 26 is the Active LTS line from 2026-10-28; the project supports Node >= 20.
ARG NODE_IMAGE=node:26-slim

# ---- build: dev dependencies, TypeScript compile ----------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies only -----------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM/SIGINT to node and reaps zombies, so `docker stop` and ECS
# task stops reach the daemon's graceful shutdown instead of being dropped by a PID-1 node.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# tsx stays: it is a runtime dependency that loads .ts rule modules.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY rules ./rules
COPY config ./config
# Root-owned and read-only to the daemon: a compromised process must not plant a rule or rewrite its
# config (mount the real ones read-only over these).
RUN mkdir -p /etc/s3-sentinel/rules
USER node
# /healthz, /readyz and /metrics (server.port in the config).
EXPOSE 9090
# No curl in a slim image: Node's own fetch does the probe. Set HEALTHCHECK_URL when the config
# moves server.port away from 9090.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL||'http://127.0.0.1:9090/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "/app/dist/cli.js"]
CMD ["run", "--config", "/etc/s3-sentinel/config.yaml"]
