#!/bin/sh
# The nginx image's entrypoint, reduced: run the command given (nginx -g 'daemon off;' by default).
set -e
exec "$@"
