#!/usr/bin/env bash
# Full test run: lint, start the real servers the tests need, run pytest, stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

echo "== lint (ruff, import-linter)"
ruff check .
lint-imports

started_es=0; started_redis=0
cleanup() {
  [ "$started_redis" = 1 ] && bash scripts/redis.sh stop || true
  [ "$started_es" = 1 ] && bash scripts/es.sh stop || true
}
trap cleanup EXIT

echo "== starting Elasticsearch"
bash scripts/es.sh start; started_es=1
export YUQING_ES_URL="$(bash scripts/es.sh url)"
echo "== starting Redis"
bash scripts/redis.sh start; started_redis=1
export YUQING_REDIS_URL="$(bash scripts/redis.sh url)"

echo "== pytest"
start=$(date +%s)
pytest -q -p no:cacheprovider "$@"
echo "pytest took $(( $(date +%s) - start )) s"
