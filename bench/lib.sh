# lib.sh - the start the bench scripts that drive triaged through the
# integration helpers share, sourced first thing after `set -eu`:
#
#     . "$(dirname "$0")/lib.sh"
#
# It sets BENCH (this directory) and TOP (the repo top), takes the binaries
# from TRIAGED and TRIAGECTL [./triaged ./triagectl from the repo top] and
# stops with a message when they are missing, and sources
# tests/integration/lib.sh: a temporary directory $T removed on exit, with
# whatever the helpers started stopped, and conf_head, start_triaged, ctl,
# poll, json, tls_ca, ...  say prints to stderr; die says what went wrong,
# prefixed with the script's name, and exits 1.

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/.." && pwd)
: "${TRIAGED:=$TOP/triaged}"
: "${TRIAGECTL:=$TOP/triagectl}"
TOP_SRCDIR=$TOP
. "$TOP/tests/integration/lib.sh"

say() { printf '%s\n' "$*" >&2; }
die() { say "$(basename "$0"): $*"; exit 1; }
[ -x "$TRIAGED" ] && [ -x "$TRIAGECTL" ] || die "no $TRIAGED or $TRIAGECTL (set TRIAGED, TRIAGECTL)"
