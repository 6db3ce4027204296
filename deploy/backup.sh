#!/bin/sh
# Back up every service's database into BACKUP_DIR (default /srv/reptidex-backups), one file
# per service and day (`<service>-<YYYY-MM-DD>.backup`), through the `migrate` job (it has the
# databases' owner's URLs). When all six succeed, files older than KEEP_DAYS (default 14) are
# removed; a failed backup exits 1 and removes nothing. Run from the repository root on the
# Docker host, e.g. nightly from cron (deploy/README.md, Backups).
set -eu
backup_dir=${BACKUP_DIR:-/srv/reptidex-backups}
keep_days=${KEEP_DAYS:-14}
day=$(date -u +%F)
status=0
for service in core animal commerce media community ops; do
    if ! docker compose -f deploy/docker-compose.yml run --rm --no-deps \
        -v "$backup_dir:/backups" migrate \
        reptidex db backup "$service" --to "/backups/$service-$day.backup"; then
        echo "backup of $service failed" >&2
        status=1
    fi
done
if [ "$status" -eq 0 ]; then
    find "$backup_dir" -name '*.backup' -mtime +"$keep_days" -delete
fi
exit "$status"
