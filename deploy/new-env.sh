#!/bin/sh
# Writes the compose stack's secrets, random, into deploy/.env (or the file given), readable by
# its owner only. An existing file is kept: the databases were initialised with its passwords.
#
#   sh deploy/new-env.sh [path]
set -eu
target="${1:-$(dirname "$0")/.env}"
if [ -e "$target" ]; then
    echo "$target exists; kept (delete it and the volumes to start afresh)" >&2
    exit 0
fi

# 32 random bytes as 64 hex digits: safe inside URLs and YAML without quoting.
random() {
    od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}

umask 077
{
    echo "# Made by deploy/new-env.sh: the compose stack's secrets. Keep it out of version control."
    echo "POSTGRES_PASSWORD=$(random)"
    for service in CORE ANIMAL COMMERCE MEDIA COMMUNITY OPS; do
        echo "${service}_DB_PASSWORD=$(random)"
    done
    echo "GRAFANA_ADMIN_PASSWORD=$(random)"
    echo "REPTIDEX_SIGNING_KEY_SECRET=$(random)"
    echo "REPTIDEX_WEB_SECRET=$(random)"
    for service in CORE ANIMAL COMMERCE MEDIA COMMUNITY OPS; do
        echo "REPTIDEX_${service}_SERVICE_SECRET=$(random)"
    done
} >"$target"
echo "wrote $target" >&2
