#!/bin/sh
# Runs once, when the postgres container starts on an empty data volume
# (/docker-entrypoint-initdb.d), as POSTGRES_USER (reptidex).
# One database per service: no service reads another's database.
#
# Every service runs as a login role that owns no table, so row-level security applies to it
# (a service refuses to start as the owner or a superuser); each service's migrations grant its
# tables to reptidex_<service>_app. The owner (reptidex) only runs the migrations. The roles'
# passwords come from <SERVICE>_DB_PASSWORD (compose requires them), never from this file.
set -eu
for service in CORE ANIMAL COMMERCE MEDIA COMMUNITY OPS; do
    eval "password=\${${service}_DB_PASSWORD:-}"
    if [ -z "$password" ]; then
        echo "${service}_DB_PASSWORD is not set (run deploy/new-env.sh)" >&2
        exit 1
    fi
done

psql -v ON_ERROR_STOP=1 \
    -v core_password="$CORE_DB_PASSWORD" -v animal_password="$ANIMAL_DB_PASSWORD" \
    -v commerce_password="$COMMERCE_DB_PASSWORD" -v media_password="$MEDIA_DB_PASSWORD" \
    -v community_password="$COMMUNITY_DB_PASSWORD" -v ops_password="$OPS_DB_PASSWORD" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE DATABASE repti_core_db OWNER reptidex;
CREATE DATABASE repti_animal_db OWNER reptidex;
CREATE DATABASE repti_commerce_db OWNER reptidex;
CREATE DATABASE repti_media_db OWNER reptidex;
CREATE DATABASE repti_community_db OWNER reptidex;
CREATE DATABASE repti_ops_db OWNER reptidex;

CREATE ROLE reptidex_core_app NOLOGIN;
CREATE ROLE reptidex_core LOGIN PASSWORD :'core_password' IN ROLE reptidex_core_app;
CREATE ROLE reptidex_animal_app NOLOGIN;
CREATE ROLE reptidex_animal LOGIN PASSWORD :'animal_password' IN ROLE reptidex_animal_app;
CREATE ROLE reptidex_commerce_app NOLOGIN;
CREATE ROLE reptidex_commerce LOGIN PASSWORD :'commerce_password' IN ROLE reptidex_commerce_app;
CREATE ROLE reptidex_media_app NOLOGIN;
CREATE ROLE reptidex_media LOGIN PASSWORD :'media_password' IN ROLE reptidex_media_app;
CREATE ROLE reptidex_community_app NOLOGIN;
CREATE ROLE reptidex_community LOGIN PASSWORD :'community_password' IN ROLE reptidex_community_app;
CREATE ROLE reptidex_ops_app NOLOGIN;
CREATE ROLE reptidex_ops LOGIN PASSWORD :'ops_password' IN ROLE reptidex_ops_app;
SQL
