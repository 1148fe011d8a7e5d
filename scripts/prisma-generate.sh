#!/usr/bin/env bash
# Generates the Prisma client (and Pothos types) for both dialects. Offline: the JS engine only.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/prisma-schemas.mjs
mkdir -p data
DATABASE_URL="file:./data/generate.db" npx prisma generate >/dev/null
DATABASE_URL="postgresql://localhost/generate" npx prisma generate >/dev/null
echo "prisma: generated clients for sqlite and postgresql"
