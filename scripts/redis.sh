#!/usr/bin/env bash
# Local Redis for distributed crawling and its tests: 127.0.0.1 only, data in a temp dir.
# usage: scripts/redis.sh start|stop|status|url   (port: YUQING_REDIS_PORT, default 6379)
set -euo pipefail
PORT="${YUQING_REDIS_PORT:-6379}"
DIR="${TMPDIR:-/tmp}/yuqing-redis-${PORT}"
PIDFILE="$DIR/redis.pid"

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

case "${1:-}" in
  start)
    if running; then echo "redis: already running on 127.0.0.1:$PORT"; exit 0; fi
    command -v redis-server >/dev/null || { echo "redis-server missing: run 'make system-deps' (Debian package redis-server)" >&2; exit 1; }
    mkdir -p "$DIR"
    redis-server --bind 127.0.0.1 --port "$PORT" --protected-mode yes --dir "$DIR" \
      --daemonize yes --pidfile "$PIDFILE" --logfile "$DIR/redis.log" --save "" --appendonly no
    for _ in $(seq 1 50); do
      if redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; then
        echo "redis: running on 127.0.0.1:$PORT (data in $DIR); YUQING_REDIS_URL=redis://127.0.0.1:$PORT/0"
        exit 0
      fi
      sleep 0.1
    done
    echo "redis: did not answer on 127.0.0.1:$PORT; see $DIR/redis.log" >&2
    exit 1
    ;;
  stop)
    if running; then
      pid="$(cat "$PIDFILE")"
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "redis: stopped (127.0.0.1:$PORT)"
    else
      echo "redis: not running on 127.0.0.1:$PORT"
    fi
    rm -rf "$DIR"
    ;;
  url)
    echo "redis://127.0.0.1:$PORT/0"
    ;;
  status)
    if running; then echo "redis: running on 127.0.0.1:$PORT"; else echo "redis: not running"; exit 1; fi
    ;;
  *)
    echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
