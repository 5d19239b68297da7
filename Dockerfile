# Wanxiang platform image: built from the repository's files alone (no host node_modules).
#   docker build -t wanxiang .
# The platform runs the TypeScript sources through tsx (a runtime dependency): no build step.

# --- build stage: production dependencies only, from the lockfile --------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The lockfile's production dependencies only; tsx (and its esbuild) is one: it runs the sources.
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime stage: slim, non-root ---------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
# A container's ports are reached from outside it: listen on every interface. The platform
# then wants a fleet key of the installation's own and API tokens, or WX_ALLOW_INSECURE_DEMO=1.
ENV NODE_ENV=production \
    WX_MQTT_HOST=0.0.0.0 \
    WX_HTTP_HOST=0.0.0.0 \
    WX_DATA_DIR=/data \
    WX_HTTP_PORT=3000 \
    WX_MQTT_PORT=1883 \
    WX_MQTT_WS_PORT=8083
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY services ./services
COPY simulators ./simulators
COPY seeds ./seeds
# The data folder (spool, dead letters, a local influxd's files) belongs to the unprivileged
# `node` user of the base image, and lives on a volume so that it outlives the container.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 1883 8083 3000 9212
# The slim image has no curl: node itself asks /healthz (200 once InfluxDB answers).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.WX_HTTP_PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The command `npm start` runs (package.json "start"), without npm's prestart, which installs
# missing packages on a developer's machine: the image already has them. A 64 MiB young
# generation: ingest makes short-lived objects at a high rate, and V8's default semi-space
# sends many to the old generation; measured in docs/performance.md. HJ 212 stations connect
# on 9212 over TCP.
CMD ["node", "--max-semi-space-size=64", "bin/wanxiang.js", "start", "--hj212-port", "9212"]
