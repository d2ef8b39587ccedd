#!/usr/bin/env bash
# Regenerates the brokers' password file, mosquitto/passwd, which holds only salted hashes (PBKDF2-SHA512).
# Who may do what is in mosquitto/acl; why, and the development passwords, in docs/security.md.
#
#   scripts/broker-users.sh                          every user gets its development password, dev-<user>
#   MQTT_PASSWORD_SENSOR_TEMP=s3cret scripts/broker-users.sh      one user's password from the environment
#   scripts/broker-users.sh dashboard=pw sensor-co2=pw2           from arguments (visible in `ps` and shell history)
#   scripts/broker-users.sh -o /etc/mosquitto/passwd             write somewhere else
#
# A user's password comes from its argument USER=PASSWORD, else from MQTT_PASSWORD_<USER> (upper case, `-` → `_`),
# else it is dev-<user>. A user not in USERS below is added too, but can do nothing until mosquitto/acl names it.
# Afterwards: give each sensor its new password (MQTT_PASSWORD in docker-compose.yml), the dashboard its new one
# (`password` in its config.json), restart the brokers (`docker compose restart broker-primary broker-secondary`) and
# the rest (`docker compose up -d --build`).
# Needs mosquitto_passwd (package mosquitto) or, failing that, docker.
set -euo pipefail
cd "$(dirname "$0")/.."

# The users mosquitto/acl knows: one per seed sensor (named after its compose service), the dashboard, the operator.
USERS=(sensor-temp sensor-humidity sensor-volt sensor-air dashboard operator)
MOSQUITTO_IMAGE=eclipse-mosquitto:2.0

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit "${1:-0}"; }

output=mosquitto/passwd
declare -A given=()
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage ;;
    -o|--output) [ $# -ge 2 ] || usage 2 >&2; output=$2; shift 2 ;;
    *=*)
      user=${1%%=*}
      [ -n "$user" ] || { echo "broker-users.sh: empty user name in argument" >&2; exit 2; }
      [ -z "${given[$user]+x}" ] && [[ ! " ${USERS[*]} " == *" $user "* ]] && extra+=("$user")
      given[$user]=${1#*=}
      shift ;;
    *) echo "broker-users.sh: unexpected argument \`$1\` (expected USER=PASSWORD or -o FILE)" >&2; usage 2 >&2 ;;
  esac
done

password_for() { # password_for <user>: argument, else MQTT_PASSWORD_<USER>, else dev-<user>
  local var="MQTT_PASSWORD_$(printf '%s' "$1" | tr 'a-z-' 'A-Z_')"
  if [ -n "${given[$1]+x}" ]; then printf '%s' "${given[$1]}"
  elif [ -n "${!var:-}" ]; then printf '%s' "${!var}"
  else printf 'dev-%s' "$1"; fi
}

work=$(umask 077 && mktemp -d)
trap 'rm -rf "$work"' EXIT
plain="$work/passwd"
(
  umask 077
  for user in "${USERS[@]}" "${extra[@]}"; do
    password=$(password_for "$user")
    case $user in *:*|*[[:space:]]*) echo "broker-users.sh: user name \`$user\` may not contain \`:\` or spaces" >&2; exit 2 ;; esac
    [ -n "$password" ] || { echo "broker-users.sh: empty password for $user" >&2; exit 2; }
    case $password in *$'\n'*|*$'\r'*) echo "broker-users.sh: the password for $user contains a line break" >&2; exit 2 ;; esac
    printf '%s:%s\n' "$user" "$password"
  done >"$plain"
)

# `-U` hashes a plain-text file in place: no password ever appears on a command line.
if command -v mosquitto_passwd >/dev/null; then
  mosquitto_passwd -U "$plain"
elif command -v docker >/dev/null; then
  docker run --rm --user "$(id -u):$(id -g)" -v "$work:/work" "$MOSQUITTO_IMAGE" mosquitto_passwd -U /work/passwd
else
  echo "broker-users.sh: needs mosquitto_passwd (apt-get install mosquitto) or docker" >&2
  exit 1
fi
if grep -qv '^[^:]*:\$7\$' "$plain"; then
  echo "broker-users.sh: mosquitto_passwd left a line unhashed; $output not changed" >&2
  exit 1
fi

# Readable by the broker's own user inside the container; it holds hashes only.
chmod 644 "$plain"
mv "$plain" "$output"
echo "wrote $output for: ${USERS[*]}${extra[*]:+ ${extra[*]}}"
