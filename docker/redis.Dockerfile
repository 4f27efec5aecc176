# Redis for compose.local.yaml, where `redis:7-alpine` cannot be pulled (no image registry):
# Debian's redis-server on the same base image the facestream images use (so its layers are
# shared), configured like the official image: data in /data (AOF lands there), runs as the
# redis user, protected mode off when no config file is given (it is only reachable on the
# compose network).
#   docker build -f docker/redis.Dockerfile -t facestream-redis:local docker/
ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data \
    && printf '%s\n' '#!/bin/sh' \
       '# as the official image: a first argument that is an option means redis-server options' \
       'case "$1" in -*) set -- redis-server "$@" ;; esac' \
       'if [ "$1" = redis-server ] && [ "${2#*.conf}" = "$2" ]; then shift; set -- redis-server --protected-mode no "$@"; fi' \
       'exec "$@"' > /usr/local/bin/redis-entrypoint \
    && chmod 0755 /usr/local/bin/redis-entrypoint
WORKDIR /data
VOLUME ["/data"]
USER redis
EXPOSE 6379
ENTRYPOINT ["/usr/local/bin/redis-entrypoint"]
CMD ["redis-server"]
