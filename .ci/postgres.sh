#!/usr/bin/env bash
# The whole test suite on a real PostgreSQL server: install Debian's server when it is missing, start a private
# one on 127.0.0.1:54329 (data folder under /tmp, run as the postgres user: the server refuses root), run the
# suite with QSORT_DATABASE_URL pointing at it (each test gets its own database), stop it and remove its folder.
# Usage: .ci/postgres.sh [pytest arguments]      (make test-postgres)
#        .ci/postgres.sh --install-only           (the SQLite run needs the server too: one test restarts one)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi

exec .venv/bin/python -m tests.pgserver run --port "${QSORT_PG_PORT:-54329}" -- \
  .venv/bin/python -m pytest "${@:--q}"
