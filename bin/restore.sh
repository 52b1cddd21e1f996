#!/usr/bin/env bash
# Restore a backup of bin/backup.sh into a new, empty database, all or nothing.
# Usage: bin/restore.sh FILE TARGET_URL   (e.g. after `createdb -O pathway_owner pathway_restored`)
# It refuses a target that already has tables: a restore never mixes with or overwrites data.
# Objects are owned by the restoring role (connect as the tables' owner) and no grants are
# restored: give the app's role its rights on the new database afterwards with
#   DATABASE_URL=TARGET_URL manage.py db_roles --app-role <the app's role>
set -euo pipefail
FILE=${1:?usage: bin/restore.sh FILE TARGET_URL}
URL=${2:?usage: bin/restore.sh FILE TARGET_URL}
tables=$(psql --no-psqlrc -Atq --dbname="$URL" \
  -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "restore.sh: the target database has $tables tables; restore into a new, empty one" >&2
  exit 1
fi
pg_restore --exit-on-error --single-transaction --no-owner --no-privileges \
  --dbname="$URL" "$FILE"
echo "Restored $FILE. Now: DATABASE_URL=<target> manage.py db_roles --app-role <app role>"
