#!/bin/sh
# The systemd units pass `systemd-analyze verify`, the service's sandboxing
# scores an exposure of 2.0 or lower in `systemd-analyze security`, and the
# socket unit never takes over syslog.socket.  Skipped without systemd-analyze.
set -eu
command -v systemd-analyze >/dev/null || { echo "skip: no systemd-analyze"; exit 77; }
. "$(dirname "$0")/lib.sh"

U="$T/units"
mkdir -p "$U" "$T/man/man5" "$T/man/man8"
# The unit as installed, with ExecStart= pointing at the built binary.
sed -e "s|@sbindir@/triaged|$TRIAGED|g" "$TOP_SRCDIR/systemd/triaged.service.in" > "$U/triaged.service"
cp "$TOP_SRCDIR/systemd/triaged.socket" "$U/"
for m in triaged.8 triagectl.8; do ln -s "$TOP_SRCDIR/man/$m" "$T/man/man8/$m"; done
ln -s "$TOP_SRCDIR/man/triaged.conf.5" "$T/man/man5/triaged.conf.5"

# verify also resolves Documentation=man: pages against MANPATH.
MANPATH="$T/man" SYSTEMD_UNIT_PATH="$U:" \
	systemd-analyze verify "$U/triaged.service" "$U/triaged.socket" >"$T/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$T/verify.log")"
[ ! -s "$T/verify.log" ] || fail "systemd-analyze verify complains: $(cat "$T/verify.log")"

systemd-analyze security --offline=true "$U/triaged.service" >"$T/security.log" 2>&1 ||
	fail "systemd-analyze security: $(tail -n 5 "$T/security.log")"
score=$(sed -n 's/.*Overall exposure level for triaged.service: \([0-9.]*\).*/\1/p' "$T/security.log")
[ -n "$score" ] || fail "no exposure level in: $(tail -n 3 "$T/security.log")"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
	fail "exposure level $score is above 2.0: $(grep '✗' "$T/security.log")"

# Never the system's syslog socket or its alias.
! grep -Eq '^(Alias|Service)=syslog' "$U/triaged.service" "$U/triaged.socket" ||
	fail "the units claim syslog.socket or syslog.service"
! grep -Eq '^Listen[A-Za-z]*=(/dev/log|/run/systemd/journal)' "$U/triaged.socket" || fail "the socket unit takes /dev/log"
pass "verify clean, exposure level $score"
