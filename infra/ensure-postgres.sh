#!/usr/bin/env bash
# Makes sure a Postgres answers on 127.0.0.1:5432 for development and tests, without Docker:
# starts the local Debian cluster when it is installed but down. With Docker, prefer
# `docker compose -f infra/docker-compose.yml up -d`.
set -euo pipefail
host=127.0.0.1
port=5432

if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then exit 0; fi

if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
      pg_isready -q -h "$host" -p "$port" && exit 0
      sleep 1
    done
  fi
fi

echo "Postgres does not answer on $host:$port. Set DATABASE_URL, start a local server, or run" >&2
echo "  docker compose -f infra/docker-compose.yml up -d" >&2
exit 1
