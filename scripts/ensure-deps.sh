#!/usr/bin/env bash
# Installs what a fresh machine lacks before `npm start` or `npm test`:
# npm packages (when node_modules is missing or older than the lockfile) and, where apt is
# there and we are root, Debian's packages. Usage: ensure-deps.sh start|test
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-start}"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[wanxiang] installing npm packages"
  npm ci --no-audit --no-fund
fi

packages=()
command -v influxd >/dev/null 2>&1 || packages+=(influxdb)
if [ "$purpose" = test ]; then
  command -v mosquitto_pub >/dev/null 2>&1 || packages+=(mosquitto-clients)
  command -v docker-compose >/dev/null 2>&1 || packages+=(docker-compose)
fi

if [ ${#packages[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[wanxiang] installing Debian packages: ${packages[*]}"
    apt-get update -qq
    # policy-rc.d keeps the packages' own services from starting: we run influxd ourselves.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    rm -f /usr/sbin/policy-rc.d
  else
    echo "[wanxiang] missing: ${packages[*]}; install them (apt-get install ${packages[*]}) or set INFLUX_URL" >&2
    [ "$purpose" = test ] && exit 1
  fi
fi
