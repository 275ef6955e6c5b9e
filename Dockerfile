# Signalbox in a container: a build stage compiles the package (TypeScript and the web console),
# the runtime stage holds only what `npm pack` ships plus production dependencies, runs as the
# unprivileged `node` user, and reports healthy when GET /readyz answers 200.
# Build: docker build -t signalbox .   Run: see contrib/README.md (and docker-compose.yml).

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No scripts yet: `prepare` (the build) needs the sources, copied next.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp && mkdir /pkg && tar -xzf /tmp/signalbox-*.tgz -C /pkg --strip-components=1
WORKDIR /pkg
RUN cp /src/package-lock.json . && npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# The batched socket I/O module, compiled here against the image's Node headers; the runtime stage
# takes the .node file with the package and needs no compiler.
RUN apt-get update && apt-get install -y --no-install-recommends g++ make python3 \
 && node scripts/build-native.mjs && test -f build/Release/signalbox_batch_io.node \
 && rm -rf build/Release/obj.target build/Release/.deps

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/signalbox
COPY --from=build --chown=root:root /pkg ./
RUN ln -s /opt/signalbox/bin/signalbox /usr/local/bin/signalbox \
 && mkdir -p /var/lib/signalbox && chown node:node /var/lib/signalbox
USER node
VOLUME ["/var/lib/signalbox"]
# OpenFlow (TCP, TLS) and the REST API.
EXPOSE 6653 6654 8080
ENV SIGNALBOX_DATA_DIR=/var/lib/signalbox \
    SIGNALBOX_API_LISTEN=0.0.0.0:8080 \
    SIGNALBOX_LOG_FORMAT=json
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["signalbox"]
CMD ["start"]
