#!/bin/sh
# selftest_pagerduty.sh - exercise tests/standins/pagerduty.py end to end:
# valid and invalid events, the ack/resolve state machine, unknown routing
# keys, 429 + Retry-After for a while then 202, 500 for a count, every-Nth
# faults, refused connections that recover on the same port, delays,
# dropped connections, the per-key rate limit, the record file, --pidfile
# and SIGTERM.  Needs only python3.  Exits non-zero on the first mismatch.
# Every wait is bounded; the whole run takes well under 20 s.

set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
STANDIN="$HERE/pagerduty.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/pd-selftest.XXXXXX")
PIDS=
FAILED=0

cleanup() {
	status=$?
	for p in $PIDS; do
		if kill -0 "$p" 2>/dev/null; then
			kill -TERM "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	if [ "$status" -ne 0 ]; then
		for f in "$T"/*.err; do
			[ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
		done
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	exit "$status"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL selftest_pagerduty: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

# http METHOD PORT PATH [BODY [CONTENT-TYPE]]
# Prints one line: "STATUS RETRY-AFTER ELAPSED BODY" ("-" for no Retry-After),
# or "REFUSED ELAPSED", or "NETERR ELAPSED reason".  Body goes to $T/last.
cat >"$T/hc.py" <<'PY'
import http.client, json, os, sys, time
method, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
ctype = sys.argv[5] if len(sys.argv) > 5 else "application/json"
t0 = time.monotonic()
try:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {}
    if body is not None:
        h["Content-Type"] = ctype
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read().decode("utf-8", "replace")
    ra = r.getheader("Retry-After") or "-"
    open(os.path.join(os.path.dirname(sys.argv[0]), "last"), "w").write(data)
    print(r.status, ra, "%.2f" % (time.monotonic() - t0), data.replace("\n", " "))
except ConnectionRefusedError:
    print("REFUSED", "%.2f" % (time.monotonic() - t0))
    sys.exit(0)
except (OSError, http.client.HTTPException) as e:
    print("NETERR", "%.2f" % (time.monotonic() - t0), type(e).__name__)
    sys.exit(0)
# PDCHECK: a Python expression over the parsed JSON answer j; false -> exit 3.
check = os.environ.get("PDCHECK")
if check:
    try:
        good = eval(check, {"j": json.loads(data)})
    except Exception:
        good = False
    if not good:
        sys.stderr.write("check failed: %s\non: %s\n" % (check, data[:2000]))
        sys.exit(3)
PY
# http METHOD PORT PATH [BODY [CONTENT-TYPE]]; PDCHECK=expr http ... also
# checks the JSON answer (exit 3 when the expression is false).
http() { python3 -S "$T/hc.py" "$@"; }

# jcheck FILE PYTHON-EXPRESSION: the expression sees the parsed JSON as j.
jcheck() {
	python3 - "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"j": j, "len": len, "all": all, "any": any,
                         "isinstance": isinstance, "list": list, "str": str})
if not ok:
    sys.stderr.write("jcheck failed: %s\non: %s\n" % (sys.argv[2],
                     json.dumps(j)[:2000]))
    sys.exit(1)
PY
}

# expect LABEL PATTERN LINE: LINE (from http) must match the case PATTERN.
expect() {
	label=$1 pat=$2 line=$3
	# shellcheck disable=SC2254
	case "$line" in
	$pat) ok "$label" ;;
	*) fail "$label: expected '$pat', got '$line'" ;;
	esac
}

# start NAME ARGS...: start a stand-in, wait (bounded) for its port file.
start() {
	name=$1; shift
	rm -f "$T/$name.port"
	python3 "$STANDIN" --port 0 --port-file "$T/$name.port" \
		--pidfile "$T/$name.pid" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	PIDS="$PIDS $!"
	eval "${name}_PID=$!"
	i=0
	while [ ! -s "$T/$name.port" ]; do
		i=$((i + 1))
		[ "$i" -le 100 ] || fail "$name did not start"
		sleep 0.05
	done
}

K=0123456789abcdef0123456789abcdef
K2=fedcba9876543210fedcba9876543210
ev() { # ev ACTION DEDUP_KEY [ROUTING_KEY]
	printf '{"routing_key":"%s","event_action":"%s","dedup_key":"%s","payload":{"summary":"disk full on db1","source":"db1.example.com","severity":"critical","timestamp":"2015-07-17T08:42:58.315+0000","component":"mysql","group":"prod","class":"disk","custom_details":{"free":"1%%"}}}' \
		"${3:-$K}" "$1" "$2"
}

start pd --record "$T/rec.jsonl" --keys "$K" "$K2" --control-port 0
P=$(sed -n 1p "$T/pd.port")
C=$(sed -n 2p "$T/pd.port")
[ "$(sed -n 1p "$T/pd.out")" = "$P" ] || fail "port not printed on stdout"
ok "started on port $P (control $C)"

# ---- valid events ----------------------------------------------------------
expect "trigger with dedup_key -> 202" \
	'202 - * {"status":"success","message":"Event processed","dedup_key":"disk/sda"}' \
	"$(http POST "$P" /v2/enqueue "$(ev trigger disk/sda)")"
line=$(PDCHECK='len(j["dedup_key"]) == 32 and j["status"] == "success"' http POST "$P" /v2/enqueue "{\"routing_key\":\"$K\",\"event_action\":\"trigger\",\"payload\":{\"summary\":\"x\",\"source\":\"h\",\"severity\":\"info\"},\"links\":[{\"href\":\"https://example.com\"}],\"images\":[{\"src\":\"https://example.com/a.png\"}]}") ||
	fail "generated dedup_key: $line"
expect "trigger without dedup_key -> 202" '202 - *' "$line"
ok "generated dedup_key is a 32-char UUID"

# ---- invalid events ----------------------------------------------------------
inv() { # inv LABEL BODY [CONTENT-TYPE] [EXPECTED-ERROR-SUBSTRING]
	chk='isinstance(j["errors"], list) and len(j["errors"]) >= 1 and j["status"] in ("invalid event", "Unrecognized object") and bool(j["message"])'
	[ -z "${4:-}" ] || chk="$chk and any(\"\"\"$4\"\"\" in e for e in j['errors'])"
	line=$(PDCHECK=$chk http POST "$P" /v2/enqueue "$2" "${3:-application/json}") ||
		fail "$1: body shape or no error containing '${4:-}'"
	case "$line" in 400\ *) ;; *) fail "$1: expected 400, got '$line'" ;; esac
	ok "$1 -> 400 with errors[]"
}
inv "missing routing_key" '{"event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info"}}' \
	"" "Length of 'routing_key' is incorrect"
inv "short routing_key" '{"routing_key":"abc","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info"}}' \
	"" "should be 32 characters"
inv "bad event_action" "{\"routing_key\":\"$K\",\"event_action\":\"open\",\"dedup_key\":\"a\"}" "" "event_action"
inv "missing event_action" "{\"routing_key\":\"$K\",\"dedup_key\":\"a\"}" "" "'event_action' is missing or blank"
inv "trigger without payload" "{\"routing_key\":\"$K\",\"event_action\":\"trigger\"}" "" "'payload' is missing"
inv "bad severity" "{\"routing_key\":\"$K\",\"event_action\":\"trigger\",\"payload\":{\"summary\":\"s\",\"source\":\"h\",\"severity\":\"fatal\"}}" "" "payload.severity"
inv "blank source" "{\"routing_key\":\"$K\",\"event_action\":\"trigger\",\"payload\":{\"summary\":\"s\",\"source\":\"\",\"severity\":\"info\"}}" "" "'payload.source' is missing or blank"
LONG=$(python3 -c 'print("x" * 1025)')
inv "summary of 1025 chars" "{\"routing_key\":\"$K\",\"event_action\":\"trigger\",\"payload\":{\"summary\":\"$LONG\",\"source\":\"h\",\"severity\":\"info\"}}" "" "'summary' is too long"
inv "bad timestamp" "{\"routing_key\":\"$K\",\"event_action\":\"trigger\",\"payload\":{\"summary\":\"s\",\"source\":\"h\",\"severity\":\"info\",\"timestamp\":\"yesterday\"}}" "" "timestamp"
inv "custom_details not an object" "{\"routing_key\":\"$K\",\"event_action\":\"trigger\",\"payload\":{\"summary\":\"s\",\"source\":\"h\",\"severity\":\"info\",\"custom_details\":[1]}}" "" "custom_details"
inv "acknowledge without dedup_key" "{\"routing_key\":\"$K\",\"event_action\":\"acknowledge\"}" "" "'dedup_key' is missing or blank"
DK256=$(python3 -c 'print("d" * 256)')
inv "dedup_key of 256 chars" "{\"routing_key\":\"$K\",\"event_action\":\"resolve\",\"dedup_key\":\"$DK256\"}" "" "dedup_key"
inv "not JSON" '{"routing_key":' "" "JSON parse error"
inv "JSON array" '[]'
inv "text/plain body" "$(ev trigger ct)" text/plain

line=$(http POST "$P" /v2/enqueue "$(ev trigger x "$(printf 'a%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)")")
expect "unknown routing key -> 400 Invalid routing key" '400 - * Invalid routing key' "$line"
expect "GET /v2/enqueue -> 404" '404 *' "$(http GET "$P" /v2/enqueue)"

# ---- state machine -------------------------------------------------------------
for a in trigger acknowledge resolve acknowledge resolve trigger trigger acknowledge; do
	expect "$a k1 -> 202" '202 - *"dedup_key":"k1"}' "$(http POST "$P" /v2/enqueue "$(ev $a k1)")"
done
expect "resolve k1 from another routing key -> 202" '202 *' \
	"$(http POST "$P" /v2/enqueue "$(ev resolve k1 "$K2")")"
expect "resolve of never-triggered key -> 202" '202 *' \
	"$(http POST "$P" /v2/enqueue "$(ev resolve ghost)")"
PDCHECK='j["k1"]["state"] == "acknowledged" and j["k1"]["triggers"] == 3 and j["k1"]["acks"] == 3 and j["k1"]["resolves"] == 3 and j["k1"]["incidents"] == 2 and j["k1"]["history"] == ["trigger","acknowledge","resolve","acknowledge:noop","resolve:noop","trigger","trigger","acknowledge","resolve:noop"]' http GET "$P" /_state >/dev/null ||
	fail "k1 state machine"
jcheck "$T/last" 'j["ghost"]["state"] is None and j["ghost"]["history"] == ["resolve:noop"] and j["disk/sda"]["state"] == "triggered"' ||
	fail "ghost / disk/sda state"
ok "state machine: trigger -> acknowledged -> resolved -> new incident; no-ops recorded"

# ---- 429 with Retry-After for 2 s, then 202 ---------------------------------------
expect "install 429 fault" '200 *' \
	"$(http POST "$P" /_faults '{"mode":"status","status":429,"retry_after":5,"for_seconds":2}')"
T0=$(python3 -c 'import time; print(time.time())')
line=$(http POST "$P" /v2/enqueue "$(ev trigger t429)")
expect "429 with Retry-After: 5 and throttle body" '429 5 * {"status":"throttle exceeded",*' "$line"
expect "still 429" '429 5 *' "$(http POST "$P" /v2/enqueue "$(ev trigger t429)")"
python3 -c "import time; time.sleep(max(0, $T0 + 2.1 - time.time()))"
expect "after 2 s -> 202" '202 - *' "$(http POST "$P" /v2/enqueue "$(ev trigger t429)")"
PDCHECK='j["t429"]["triggers"] == 1' http GET "$P" /_state >/dev/null ||
	fail "throttled events must not be ingested"
ok "throttled events were not ingested"

# ---- 500 for a count, every-Nth -------------------------------------------------------
http POST "$P" /_faults '{"mode":"status","status":500,"count":2}' >/dev/null
expect "count 1/2 -> 500" '500 *' "$(http POST "$P" /v2/enqueue "$(ev trigger c500)")"
expect "count 2/2 -> 500" '500 *' "$(http POST "$P" /v2/enqueue "$(ev trigger c500)")"
expect "count exhausted -> 202" '202 *' "$(http POST "$P" /v2/enqueue "$(ev trigger c500)")"
http POST "$P" /_faults '{"mode":"status","status":503,"every":2,"count":2}' >/dev/null
got=
for i in 1 2 3 4 5 6; do
	s=$(http POST "$P" /v2/enqueue "$(ev trigger e503)" | cut -d' ' -f1)
	got="$got$s "
done
[ "$got" = "202 503 202 503 202 202 " ] || fail "every=2,count=2: got '$got'"
ok "every=2 count=2 -> $got"
http POST "$P" /_faults '{"mode":"status","status":401,"count":1}' >/dev/null
expect "401 fault" '401 *' "$(http POST "$P" /v2/enqueue "$(ev trigger a401)")"

# ---- refuse: ECONNREFUSED, then the same port answers again ----------------------------
expect "install refuse fault" '200 *' \
	"$(http POST "$P" /_faults '{"mode":"refuse","for_seconds":1.5}')"
T0=$(python3 -c 'import time; print(time.time())')
i=0
while :; do # the listener closes right after the answer above
	line=$(http POST "$P" /v2/enqueue "$(ev trigger refused)")
	case "$line" in REFUSED*) break ;; esac
	i=$((i + 1)); [ "$i" -le 20 ] || fail "never refused: $line"
	sleep 0.05
done
ok "connection refused while in refuse mode"
PDCHECK='j["listening"] is False and j["fault"]["mode"] == "refuse"' http GET "$C" /_stats >/dev/null ||
	fail "control port stats during refuse"
ok "control port answers during refuse"
i=0
while :; do
	line=$(http POST "$P" /v2/enqueue "$(ev trigger refused)")
	case "$line" in 202*) break ;; esac
	i=$((i + 1)); [ "$i" -le 60 ] || fail "port never reopened: $line"
	sleep 0.1
done
python3 -c "import time,sys; d=time.time()-$T0; sys.exit(0 if 1.2 <= d <= 4 else 1)" ||
	fail "refuse lasted the wrong time"
ok "same port accepts again after for_seconds"
expect "refuse ended early through the control port" '200 *' \
	"$(http POST "$P" /_faults '{"mode":"refuse","for_seconds":60}')"
sleep 0.2
expect "refused" 'REFUSED *' "$(http POST "$P" /v2/enqueue "$(ev trigger r2)")"
expect "normal via control port" '200 *' "$(http POST "$C" /_faults '{"mode":"normal"}')"
expect "reopened" '202 *' "$(http POST "$P" /v2/enqueue "$(ev trigger r2)")"

# ---- delay, drop -----------------------------------------------------------------------
http POST "$P" /_faults '{"mode":"delay","seconds":1,"count":1}' >/dev/null
line=$(http POST "$P" /v2/enqueue "$(ev trigger slow)")
expect "delayed answer is 202" '202 *' "$line"
python3 -c "import sys; sys.exit(0 if float('$(echo "$line" | cut -d' ' -f3)') >= 0.95 else 1)" ||
	fail "delay too short: $line"
ok "delay mode held the answer >= 1 s"
expect "no delay afterwards" '202 - 0.[0-4]*' "$(http POST "$P" /v2/enqueue "$(ev trigger slow)")"
http POST "$P" /_faults '{"mode":"drop","count":1}' >/dev/null
expect "drop -> connection closed without answer" 'NETERR *' \
	"$(http POST "$P" /v2/enqueue "$(ev trigger dropped)")"
expect "after drop -> 202" '202 *' "$(http POST "$P" /v2/enqueue "$(ev trigger dropped)")"
expect "bad fault spec -> 400" '400 *' "$(http POST "$P" /_faults '{"mode":"explode"}')"

# ---- record file and /_requests ------------------------------------------------------------
http GET "$P" /_requests >/dev/null
cp "$T/last" "$T/requests.json"
python3 - "$T/rec.jsonl" "$T/requests.json" <<'PY' || fail "record file"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
reqs = json.load(open(sys.argv[2]))
assert len(lines) == len(reqs) >= 40, (len(lines), len(reqs))
for r in lines:
    assert isinstance(r["t"], float) and r["method"] and r["path"], r
    assert isinstance(r["peer_port"], int) and "headers" in r, r
    assert "body" in r or "raw" in r, r
    assert "status" in r, r
assert any(r.get("fault", {}).get("mode") == "status" and r["status"] == 429 for r in lines)
assert any(r.get("fault", {}).get("mode") == "drop" and r["status"] is None for r in lines)
assert all(l["seq"] == q["seq"] for l, q in zip(lines, reqs))
PY
ok "record file has one JSON line per API request ($(wc -l <"$T/rec.jsonl" | tr -d ' '))"
PDCHECK='j["by_status"]["429"] == 2 and j["by_status"]["500"] == 2 and j["by_action"]["trigger"] >= 20 and j["by_fault"]["status"] == 7 and j["by_status"]["dropped"] == 1' http GET "$P" /_stats >/dev/null ||
	fail "stats"
ok "stats count by status and action"

# ---- SIGTERM and --pidfile ---------------------------------------------------------------------
kill -TERM "$(cat "$T/pd.pid")"
wait "$pd_PID" || fail "exit status after SIGTERM"
[ ! -e "$T/pd.pid" ] || fail "pidfile left behind"
expect "port closed after SIGTERM" 'REFUSED *' "$(http GET "$P" /_stats)"
ok "SIGTERM: clean exit, pidfile removed"

# ---- per-key rate limit (second instance) ---------------------------------------------------
start rl --rate-limit 3 --rate-limit-retry-after
R=$(sed -n 1p "$T/rl.port")
for i in 1 2 3; do
	expect "rate-limited key, call $i -> 202" '202 *' "$(http POST "$R" /v2/enqueue "$(ev trigger rl$i)")"
done
expect "call 4 within 60 s -> 429 with Retry-After" '429 [0-9]* * {"status":"throttle exceeded"*' \
	"$(http POST "$R" /v2/enqueue "$(ev trigger rl4)")"
expect "another key is not limited" '202 *' \
	"$(http POST "$R" /v2/enqueue "$(ev trigger rl5 "$K2")")"
kill -TERM "$rl_PID"; wait "$rl_PID" || fail "rl exit status"

# ---- initial fault from the command line ----------------------------------------------------
start cli --fault '{"mode":"status","status":503,"count":1,"retry_after":1}'
Q=$(sed -n 1p "$T/cli.port")
expect "--fault applies from the start" '503 1 *' "$(http POST "$Q" /v2/enqueue "$(ev trigger c)")"
expect "then normal" '202 *' "$(http POST "$Q" /v2/enqueue "$(ev trigger c)")"
kill -TERM "$cli_PID"; wait "$cli_PID" || fail "cli exit status"

echo "PASS selftest_pagerduty"
