#!/bin/sh
# An upstream that refuses connections is said in the log once, not per
# attempt, with its queue depth and the age of its oldest delivery; it
# shows as failing in triagectl status (table and --json) and in systemd's
# STATUS=; when it answers again the log says it recovered, status says ok
# and STATUS= is back to "Running".
. "$(dirname "$0")/lib.sh"

start_pd --fault '{"mode":"refuse","for_seconds":600}'
conf_head
conf_pd
cat >> "$CONF" <<CONF
rule "svc" {
	match syslog message ~ "svc (?<n>[0-9]+) down"
	key "svc-{n}"
	send "pd"
}
CONF
start_notify_listener 60
export NOTIFY_SOCKET="$T/notify.sock"
start_triaged
unset NOTIFY_SOCKET
for n in 1 2 3; do
	logger -n 127.0.0.1 -P "$PORT" -d -t app "svc $n down"
done
pd_up() { echo "[u for u in j['upstreams'] if u['name'] == 'pd'][0]"; }
wait_status "$(pd_up)['state'] == 'failing' and $(pd_up)['queued'] == 3"
# Many attempts fail (three keys, retried every 300ms at most): one line.
wait_status "$(pd_up)['failures'] >= 20" 20
n=$(grep -c "upstream pd failing" "$T/triaged.log" || true)
[ "$n" -eq 1 ] || fail "'failing' logged $n times: $(grep 'upstream pd' "$T/triaged.log")"
grep -Eq "upstream pd failing: .*onnect.* \([1-3] queued, oldest [0-9]+s\)$" "$T/triaged.log" ||
	fail "the failing line lacks its error or depth: $(grep 'upstream pd' "$T/triaged.log")"
ctl --json status | json "$(pd_up)" > "$T/pd.json"
python3 - "$T/pd.json" <<'PY' || fail "status --json: $(cat "$T/pd.json")"
import ast, sys
u = ast.literal_eval(open(sys.argv[1]).read())
assert u["queued"] == 3 and u["oldest"] and u["down_since"] and u["last_success"] is None, u
assert "onnect" in u["last_error"], u
PY
ctl status > "$T/status"
grep -Eq "^pd +failing +3 +[0-9]+s ago +- +.*onnect" "$T/status" ||
	fail "status does not show pd failing: $(cat "$T/status")"
grep -Eq "STATUS=Running; upstream pd failing for [0-9]+s, [0-9]+ queued" "$T/notify.log" ||
	fail "STATUS= does not say pd is down: $(grep STATUS= "$T/notify.log")"

pd POST /_faults '{"mode":"normal"}' >/dev/null
wait_pd "len([k for k in s if s[k]['triggers']]) == 3"
wait_status "$(pd_up)['state'] == 'ok' and $(pd_up)['queued'] == 0 and $(pd_up)['last_success'] is not None"
grep -Eq "upstream pd recovered after [0-9]+s: " "$T/triaged.log" ||
	fail "no recovered line: $(grep 'upstream pd' "$T/triaged.log")"
ctl status | grep -Eq "^pd +ok +0 +- +(now|[0-9]+s ago) " || fail "status: $(ctl status)"
tail -n 1 "$T/notify.log" | grep -q "STATUS=Running$" ||
	fail "STATUS= is not back to Running: $(grep STATUS= "$T/notify.log")"
pass "refused: one failing line with depth, status and STATUS= say so; recovered said, Running again"
