#!/usr/bin/env bash
# A full backup of the PostgreSQL database in pg_dump's custom format (compressed; restored
# with bin/restore.sh or pg_restore). Usage: bin/backup.sh [FILE]
# It connects as BACKUP_DATABASE_URL, else MIGRATE_DATABASE_URL (the tables' owner), else
# DATABASE_URL. The archive is written beside FILE and renamed when pg_restore has read it
# back whole, so a FILE that exists is a complete, readable backup.
set -euo pipefail
URL=${BACKUP_DATABASE_URL:-${MIGRATE_DATABASE_URL:-${DATABASE_URL:-}}}
case "$URL" in
  postgres://*|postgresql://*) ;;
  *) echo "backup.sh: set DATABASE_URL (or MIGRATE_DATABASE_URL) to the PostgreSQL database" >&2; exit 2 ;;
esac
FILE=${1:-backups/pathway-$(date -u +%Y%m%dT%H%M%SZ).dump}
mkdir -p "$(dirname "$FILE")"
pg_dump --format=custom --file="$FILE.partial" --dbname="$URL"
pg_restore --list "$FILE.partial" >/dev/null
mv "$FILE.partial" "$FILE"
echo "Backup written: $FILE ($(du -h "$FILE" | cut -f1))"
