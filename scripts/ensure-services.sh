#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 (starting installed ones) and that the
# browser the inbox tests drive is installed. Says what to install when something is missing.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    for _ in $(seq 20); do pg_up && break; sleep 0.5; done
  fi
  pg_up || { echo "PostgreSQL is not running on 127.0.0.1:5432 and could not be started: install it (apt-get install postgresql) with trust auth for user postgres" >&2; exit 1; }
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp --logfile /tmp/redis-test.log
    for _ in $(seq 20); do redis_up && break; sleep 0.25; done
  fi
  redis_up || { echo "Redis is not running on 127.0.0.1:6379 and could not be started: install it (apt-get install redis-server)" >&2; exit 1; }
fi

if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -i "noto sans cjk" >/dev/null; then  # not -q: an early exit makes fc-list fail under pipefail
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium and a Korean font for the browser and chart tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "the browser tests need Debian's chromium and fonts-noto-cjk: apt-get install chromium fonts-noto-cjk" >&2
    exit 1
  fi
fi
