-- Runs once, when the postgres container starts on an empty data volume
-- (/docker-entrypoint-initdb.d), as POSTGRES_USER (reptidex).
-- One database per service: no service reads another's database.
CREATE DATABASE repti_core_db OWNER reptidex;
CREATE DATABASE repti_animal_db OWNER reptidex;
CREATE DATABASE repti_commerce_db OWNER reptidex;
CREATE DATABASE repti_media_db OWNER reptidex;
CREATE DATABASE repti_community_db OWNER reptidex;
CREATE DATABASE repti_ops_db OWNER reptidex;

-- Every service runs as a login role that owns no table, so row-level security applies to it
-- (a service refuses to start as the owner or a superuser); each service's migrations grant
-- its tables to reptidex_<service>_app. The owner (reptidex) only runs the migrations.
CREATE ROLE reptidex_core_app NOLOGIN;
CREATE ROLE reptidex_core LOGIN PASSWORD 'reptidex_core' IN ROLE reptidex_core_app;
CREATE ROLE reptidex_animal_app NOLOGIN;
CREATE ROLE reptidex_animal LOGIN PASSWORD 'reptidex_animal' IN ROLE reptidex_animal_app;
CREATE ROLE reptidex_commerce_app NOLOGIN;
CREATE ROLE reptidex_commerce LOGIN PASSWORD 'reptidex_commerce' IN ROLE reptidex_commerce_app;
CREATE ROLE reptidex_media_app NOLOGIN;
CREATE ROLE reptidex_media LOGIN PASSWORD 'reptidex_media' IN ROLE reptidex_media_app;
CREATE ROLE reptidex_community_app NOLOGIN;
CREATE ROLE reptidex_community LOGIN PASSWORD 'reptidex_community' IN ROLE reptidex_community_app;
CREATE ROLE reptidex_ops_app NOLOGIN;
CREATE ROLE reptidex_ops LOGIN PASSWORD 'reptidex_ops' IN ROLE reptidex_ops_app;
