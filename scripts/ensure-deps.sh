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
  # The scale-out tests run a real mosquitto broker and redis-server; the screen test a real Chromium.
  command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || packages+=(mosquitto)
  command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
  [ -x /usr/bin/chromium ] || packages+=(chromium)
  # Without a CJK font Chromium draws the screen's Chinese labels as empty boxes.
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || packages+=(fonts-wqy-microhei)
  command -v docker-compose >/dev/null 2>&1 || packages+=(docker-compose)
fi

if [ ${#packages[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[wanxiang] installing Debian packages: ${packages[*]}"
    apt-get update -qq
    # policy-rc.d keeps the packages' own services from starting: we run influxd, mosquitto and
    # redis ourselves. A policy-rc.d the machine already had is the administrator's: keep it.
    own_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
      own_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
  else
    echo "[wanxiang] missing: ${packages[*]}; install them (apt-get install ${packages[*]}) or set INFLUX_URL" >&2
    [ "$purpose" = test ] && exit 1
  fi
fi
