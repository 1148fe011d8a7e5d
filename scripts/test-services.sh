#!/usr/bin/env bash
# The whole suite against PostgreSQL and Redis. Each test server gets a fresh database created
# next to DATABASE_URL's (the role needs CREATEDB) and shares events through REDIS_URL.
set -euo pipefail
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "test:services needs DATABASE_URL=postgresql://… (got $DATABASE_URL)" >&2; exit 2 ;;
esac
exec bash scripts/test.sh "$@"
