-- Runs once, when the postgres container starts on an empty data volume
-- (/docker-entrypoint-initdb.d), as POSTGRES_USER (reptidex).
-- One database per service: no service reads another's database.
CREATE DATABASE repti_core_db OWNER reptidex;
CREATE DATABASE repti_animal_db OWNER reptidex;
CREATE DATABASE repti_commerce_db OWNER reptidex;
CREATE DATABASE repti_media_db OWNER reptidex;
CREATE DATABASE repti_community_db OWNER reptidex;
CREATE DATABASE repti_ops_db OWNER reptidex;

-- repti-animal runs as a login role that does not own its tables, so row-level security
-- applies to it; migration animal_0005 grants the tables to reptidex_animal_app.
CREATE ROLE reptidex_animal_app NOLOGIN;
CREATE ROLE reptidex_animal LOGIN PASSWORD 'reptidex_animal' IN ROLE reptidex_animal_app;
