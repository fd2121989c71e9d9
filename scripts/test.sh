#!/usr/bin/env bash
# The whole test suite: set up, then every test on the embedded PGlite, then
# the API suite again on a PostgreSQL server started here (skip that part
# with HANET_TEST_POSTGRES=0).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

node --test --test-concurrency=2 $(find dist -name "*.test.js" | sort)

if [ "${HANET_TEST_POSTGRES:-1}" != "0" ]; then
  pgdir=$(mktemp -d /tmp/hanet-test-pg.XXXXXX)
  trap 'bash scripts/postgres.sh stop "$pgdir"' EXIT
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  url=$(bash scripts/postgres.sh start "$pgdir" "$port")
  echo "API suite on PostgreSQL ($url)"
  # The in-process API suites (test/process runs real servers on PGlite).
  HANET_TEST_POSTGRES_URL=$url node --test --test-concurrency=2 $(find dist/test/api -name '*.test.js' | sort)
fi
