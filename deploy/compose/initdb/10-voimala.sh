#!/usr/bin/env bash
# Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d), as the
# superuser. Same layout as deploy/local/postgres.sh: per service a login role (not superuser)
# with password "<name>-dev", owning a database of the same name, and no CONNECT for PUBLIC so
# that a service cannot open another service's database.
# To rerun it, drop the volume: docker compose down -v
set -euo pipefail

for svc in participants events matching notifications portal; do
    psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
        -v svc="$svc" -v pw="$svc-dev" <<'SQL'
CREATE ROLE :"svc" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw';
CREATE DATABASE :"svc" OWNER :"svc";
REVOKE ALL ON DATABASE :"svc" FROM PUBLIC;
SQL
    echo "voimala: database and role $svc created"
done

# The keyring (libs/kit/src/voimala_kit/personal.py), as deploy/local/postgres.sh makes it:
# owned by participants (which creates its table at start and alone may destroy a key); the
# other services' roles are in keyring_writer, which may read and add keys only.
psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE keyring_writer NOLOGIN;
GRANT keyring_writer TO events, matching, notifications, portal;
CREATE DATABASE keyring OWNER participants;
REVOKE ALL ON DATABASE keyring FROM PUBLIC;
GRANT CONNECT ON DATABASE keyring TO keyring_writer;
SQL
echo "voimala: keyring database created"
