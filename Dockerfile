# syntax=docker/dockerfile:1
# Batata: build the single binary with Bun, run it on a slim Debian as a non-root user.
#   docker build -t batata:latest .
#   docker run -p 8848:8848 -p 8081:8081 -p 9848:9848 -p 9849:9849 -v batata-data:/var/lib/batata batata:latest

# ---- build: Bun from the npm registry (pinned), frozen lockfile, compiled binary ----
FROM node:22-bookworm-slim AS build
ARG BUN_VERSION=1.4.4
RUN npm install -g --no-audit --no-fund "bun@${BUN_VERSION}"
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun run build && ./dist/batata --version

# ---- run: the binary alone (it embeds migrations, defaults and proto files) ----
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 batata \
    && useradd --system --uid 10001 --gid batata --home-dir /var/lib/batata --shell /usr/sbin/nologin batata \
    && mkdir -p /var/lib/batata /etc/batata/conf \
    && chown -R batata:batata /var/lib/batata
COPY --from=build /src/dist/batata /usr/local/bin/batata
COPY deploy/application.yml /etc/batata/conf/application.yml
COPY conf/mysql-schema.sql /etc/batata/conf/mysql-schema.sql
WORKDIR /var/lib/batata
VOLUME ["/var/lib/batata"]
# main HTTP (Nacos /nacos, Consul /v1), console, SDK gRPC, cluster gRPC
EXPOSE 8848 8081 9848 9849
USER batata:batata
STOPSIGNAL SIGTERM
# No curl in the slim image: bash's /dev/tcp speaks enough HTTP for the liveness probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8848 && printf 'GET /nacos/v1/console/health/liveness HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT []
CMD ["batata", "--config", "/etc/batata/conf/application.yml"]
