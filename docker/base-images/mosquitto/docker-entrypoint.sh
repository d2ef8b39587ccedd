#!/bin/sh
# The eclipse-mosquitto image's entrypoint: as root, hand /mosquitto to the mosquitto user, then run the command.
# Stand-in only: Debian's mosquitto 2.0.11 leaves `log_dest stdout` block-buffered when stdout is a pipe, so
# `docker logs` would show nothing until exit; stdbuf makes it line-buffered, as the real image's broker writes.
set -e
user="$(id -u)"
if [ "$user" = '0' ]; then
	[ -d "/mosquitto" ] && chown -R mosquitto:mosquitto /mosquitto || true
fi
case "$1" in
	mosquitto | */mosquitto) set -- stdbuf -oL "$@" ;;
esac
exec "$@"
