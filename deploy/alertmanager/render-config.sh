#!/bin/sh
# Render alertmanager.yml: every ${NAME} becomes the value of the environment variable NAME,
# escaped for a double-quoted YAML string; an unset variable stops here, naming it.
#   render-config.sh TEMPLATE OUTPUT
set -eu
template=$1
output=$2
awk '
{
    line = $0
    out = ""
    while (match(line, /\$\{[A-Za-z_][A-Za-z0-9_]*\}/)) {
        name = substr(line, RSTART + 2, RLENGTH - 3)
        if (!(name in ENVIRON)) {
            print "render-config: " name " is not set" > "/dev/stderr"
            exit 1
        }
        value = ENVIRON[name]
        gsub(/\\/, "\\\\", value)
        gsub(/"/, "\\\"", value)
        out = out substr(line, 1, RSTART - 1) value
        line = substr(line, RSTART + RLENGTH)
    }
    print out line
}
' "$template" > "$output"
