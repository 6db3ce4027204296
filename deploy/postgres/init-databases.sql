-- Runs once, when the postgres container starts on an empty data volume
-- (/docker-entrypoint-initdb.d), as POSTGRES_USER (reptidex).
-- One database per service: no service reads another's database.
CREATE DATABASE repti_core_db OWNER reptidex;
CREATE DATABASE repti_animal_db OWNER reptidex;
CREATE DATABASE repti_commerce_db OWNER reptidex;
CREATE DATABASE repti_media_db OWNER reptidex;
CREATE DATABASE repti_community_db OWNER reptidex;
CREATE DATABASE repti_ops_db OWNER reptidex;
