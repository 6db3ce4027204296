#!/bin/sh
# Runs once, when the postgres container starts on an empty data volume
# (/docker-entrypoint-initdb.d), as POSTGRES_USER (reptidex).
# One database per service: no service reads another's database.
#
# repti-animal runs as a login role that does not own its tables, so row-level security
# applies to it; migration animal_0005 grants the tables to reptidex_animal_app. Its password
# comes from ANIMAL_DB_PASSWORD (compose requires it), never from this file.
set -eu
: "${ANIMAL_DB_PASSWORD:?ANIMAL_DB_PASSWORD is not set (run deploy/new-env.sh)}"

psql -v ON_ERROR_STOP=1 -v animal_password="$ANIMAL_DB_PASSWORD" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE DATABASE repti_core_db OWNER reptidex;
CREATE DATABASE repti_animal_db OWNER reptidex;
CREATE DATABASE repti_commerce_db OWNER reptidex;
CREATE DATABASE repti_media_db OWNER reptidex;
CREATE DATABASE repti_community_db OWNER reptidex;
CREATE DATABASE repti_ops_db OWNER reptidex;

CREATE ROLE reptidex_animal_app NOLOGIN;
CREATE ROLE reptidex_animal LOGIN PASSWORD :'animal_password' IN ROLE reptidex_animal_app;
SQL
