#!/bin/sh
# triagectl send-test UPSTREAM queues a test trigger and its resolve with
# one dedup key through the real outbox: the stand-in gets both, in order,
# even when it refused the trigger at first (for 5 s: an ASan start on a
# loaded machine can take 2) (a test is never suppressed as
# resolved before delivery); the log says who asked and what each answer
# was; an unknown upstream is refused.
. "$(dirname "$0")/lib.sh"

start_pd --fault '{"mode":"refuse","for_seconds":5}'
conf_head
cat >> "$CONF" <<CONF
upstream "pd" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-initial 200ms
	backoff-max 500ms
}
CONF
start_triaged
out=$(ctl send-test pd) || fail "send-test: $out"
key=$(echo "$out" | sed -n 's/^queued a test trigger and its resolve to pd, dedup key //p')
case $key in
triaged-test/it-host/[0-9]*) ;;
*) fail "send-test says: $out" ;;
esac
wait_pd "s.get('$key', {}).get('history') == ['trigger', 'resolve']" 30
pd GET /_requests > "$T/requests.json"
python3 - "$T/requests.json" "$key" <<'PY' || fail "the test trigger is not as it should be"
import json, sys
reqs = json.load(open(sys.argv[1]))
reqs = reqs["requests"] if isinstance(reqs, dict) else reqs
trig = [r["body"] for r in reqs if isinstance(r.get("body"), dict)
        and r["body"].get("dedup_key") == sys.argv[2] and r["body"]["event_action"] == "trigger"]
p = trig[0]["payload"]
assert p["severity"] == "info", p
assert p["summary"].startswith("triaged test from it-host (send-test by "), p
PY
grep -q "send-test by .*queued to pd, dedup key '$key'" "$T/triaged.log" || fail "who asked is not logged"
n=$(grep -c "send-test: trigger of '$key' to pd failed, retrying" "$T/triaged.log" || true)
[ "$n" -eq 1 ] || fail "the refused attempts are logged $n times, not once"
grep -q "send-test: trigger of '$key' to pd delivered: HTTP 202" "$T/triaged.log" ||
	fail "the trigger's delivery is not logged"
grep -q "send-test: resolve of '$key' to pd delivered: HTTP 202" "$T/triaged.log" ||
	fail "the resolve's delivery is not logged"
if ctl send-test nope 2>"$T/err"; then fail "send-test to an unknown upstream worked"; fi
grep -q "no upstream 'nope' in the configuration" "$T/err" || fail "unknown upstream: $(cat "$T/err")"
pass "send-test: trigger and resolve with one key reached the stand-in, logged"
