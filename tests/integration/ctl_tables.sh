#!/bin/sh
# Every triagectl table fits 80 columns with long keys, summaries, listener
# names, upstream names and errors (queue and status), silences and
# maintenance windows (silence list), who is on call, the rota and the
# overrides (oncall, override list), cut between
# characters with an ellipsis; --wide shows them whole; times are local with their zone, or UTC with
# --utc, and ages in tables; every acting verb says what it did.
. "$(dirname "$0")/lib.sh"

start_pd --fault '{"mode":"refuse","for_seconds":600}'
conf_head
cat >> "$CONF" <<CONF
upstream "pagerduty-primary" pagerduty {
	url "http://127.0.0.1:$PD_PORT/v2/enqueue"
	routing-key-file "$T/pd.key"
	backoff-initial 200ms
	backoff-max 1s
}
maintenance "a-rather-long-maintenance-window-name" {
	every mon,tue,wed,thu,fri 22:00 for 2h tz "America/Argentina/Buenos_Aires"
	match host ~ "^(db|web|cache)-[0-9]+[.]example[.]net$"
	match severity != debug
}
contact "a-contact-with-a-rather-long-name-of-sixty-four-bytes-xxxxxxxxxx" {}
schedule "a-schedule-with-a-long-name-too" {
	tz "America/Argentina/Buenos_Aires"
	layer "a-layer-with-a-name-that-is-long-as-well" {
		rotation every 12h
		members "a-contact-with-a-rather-long-name-of-sixty-four-bytes-xxxxxxxxxx"
	}
}
rule "svc" {
	match syslog message ~ "service (?<name>\S+) is down"
	key "it-host/service/{name}/with/a/long/path/in/the/key"
	summary "service {name} on {host} stopped answering its health checks; café ünïcode ✓"
	send "pagerduty-primary"
}
CONF
start_triaged
long=$(python3 -c "print('x' * 60 + '\u00e9' * 30)")
for name in web db "$long"; do
	logger -n 127.0.0.1 -P "$PORT" -d -p user.err -t app "service $name is down"
done
wait_incidents "len(j['incidents']) == 3"
wait_status "True"
# The default map is 16G of address space and costs no disk: it never has to grow.
ctl --json status | json "j['store']['map_size'] == 16 << 30 and j['store']['map_grows'] == 0" |
	grep -qx True || fail "the default map: $(ctl --json status | json "j['store']")"
[ "$(du -k "$T/state/db/data.mdb" | cut -f1)" -lt 4096 ] || fail "data.mdb takes $(du -h "$T/state/db/data.mdb")"
i=0
until ctl --json queue | json "any(d.get('last_error') for d in j['deliveries'])" | grep -qx True; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no delivery failed"; sleep 0.1
done

# fits FILE WHAT: no line of FILE is wider than 80 characters.
fits() {
	python3 - "$1" "$2" <<'PY' || fail "$2 is wider than 80 columns: $(cat "$1")"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
wide = [l for l in lines if len(l) > 80]
for l in wide:
    print("%d: %s" % (len(l), l), file=sys.stderr)
sys.exit(1 if wide or not lines else 0)
PY
}
key="it-host/service/$long/with/a/long/path/in/the/key"
ctl incidents > "$T/incidents"; fits "$T/incidents" incidents
ctl queue > "$T/queue"; fits "$T/queue" queue
ctl status > "$T/status"; fits "$T/status" status
ctl silence add 'host~^(db|web|cache)-[0-9]+[.]example[.]net$' 'program!=cron' 'severity=critical' \
	for 2h --comment "replacing the disks of the database cluster, see the change ticket" >/dev/null
ctl silence list > "$T/silences"; fits "$T/silences" "silence list"
ctl --wide silence list | grep -q "see the change ticket$" || fail "--wide cuts the comment"
ctl --wide silence list | grep -q "tz America/Argentina/Buenos_Aires$" || fail "--wide cuts the schedule"
ctl oncall --next 3d > "$T/oncall"; fits "$T/oncall" "oncall --next"
ctl --wide oncall | grep -q "a-layer-with-a-name-that-is-long-as-well$" || fail "--wide cuts the layer"
ctl override add a-schedule-with-a-long-name-too \
	a-contact-with-a-rather-long-name-of-sixty-four-bytes-xxxxxxxxxx now 1h >/dev/null ||
	fail "override add"
ctl override list > "$T/overrides"; fits "$T/overrides" "override list"
# Each of the 3 incidents' line-to-durable time, and the commits', measured by triaged.
ctl --json status | json "j['latency']['incident']['samples'] == 3 and j['latency']['commit']['samples'] >= 1 and 0 < j['latency']['incident']['max_usec'] < 10**7" | grep -qx True || fail "latency: $(ctl --json status | json "j['latency']")"
grep -q "line to incident: p50" "$T/status" || fail "status lacks the latency"
# The loop's dispatches, timed: a histogram whose counts add up, and its longest.
ctl --json status | json "sum(b['count'] for b in j['loop']['buckets']) == j['loop']['dispatches'] > 0 and j['loop']['max_usec'] > 0 and j['loop']['p99_lt_usec'] >= j['loop']['p50_lt_usec']" | grep -qx True ||
	fail "loop: $(ctl --json status | json "j['loop']")"
grep -Eq "^loop: [0-9]+ dispatches, p50 under [0-9.]+ ms, p99 under [0-9.]+ ms$" "$T/status" ||
	fail "status lacks the loop's figures: $(cat "$T/status")"
grep -Eq "^pagerduty-pri… failing +[0-9]+ +[0-9]+s ago +- +.*…$" "$T/status" ||
	fail "status lacks the failing upstream, cut to fit: $(cat "$T/status")"
ctl --wide status | grep -Eq "^pagerduty-primary failing +[0-9]+ .*(onnect|refused)" ||
	fail "--wide status lacks the whole upstream row: $(ctl --wide status)"
ctl show "it-host/service/web/with/a/long/path/in/the/key" > "$T/show"
sed -n '/^timeline:/,$p' "$T/show" > "$T/timeline"; fits "$T/timeline" "show's timeline"
grep -q "…" "$T/incidents" || fail "no cell was cut in incidents: $(cat "$T/incidents")"
grep -Eq " (now|[0-9]+s ago) " "$T/incidents" || fail "no age in incidents: $(cat "$T/incidents")"
grep -Eq "in [0-9]+s|now|ago" "$T/queue" || fail "no relative next try: $(cat "$T/queue")"
# Cut between characters: the table is valid UTF-8 (python read it above) and
# the cut key does not show whole.
if grep -qF "$key" "$T/incidents"; then fail "the long key was not cut"; fi

# --wide: whole cells, absolute times.
ctl --wide incidents | grep -qF "$key" || fail "--wide does not show the whole key"
ctl --wide incidents | grep -q "ünïcode ✓" || fail "--wide does not show the whole summary"
ctl -w queue | grep -q "Connection refused\|Couldn't connect\|connect" ||
	fail "--wide queue lacks the error: $(ctl -w queue)"

# Times: local with the zone, or UTC.
TZ=Asia/Tokyo ctl show "$key" | grep -Eq "^first seen: [0-9-]{10} [0-9:]{8} JST$" ||
	fail "show's time is not local: $(TZ=Asia/Tokyo ctl show "$key")"
TZ=Asia/Tokyo ctl --utc show "$key" | grep -Eq "^first seen: [0-9-]{10} [0-9:]{8} UTC$" ||
	fail "--utc is not UTC"
TZ=Asia/Tokyo ctl -w incidents | grep -q " JST " || fail "--wide times lack their zone"

# Acting verbs say what they did.
[ "$(ctl ack "$key")" = "acknowledged $key" ] || fail "ack is silent"
[ "$(ctl resolve "$key")" = "resolved $key" ] || fail "resolve is silent"
ctl reload | grep -qx "configuration reloaded from $CONF" || fail "reload: $(ctl reload)"
# Not one of the resolved incident: its trigger and resolve may leave the
# queue at any moment, when the trigger comes up again (outbox_stale.c).
id=$(ctl --json queue | json "[d['id'] for d in j['deliveries'] if d['key'] != '$key'][-1]")
ctl queue retry "$id" | grep -qx "1 delivery put back to be sent now" || fail "retry is silent"
i=0
until out=$(ctl queue drop "$id" 2>&1); do
	i=$((i + 1)); [ $i -lt 50 ] || fail "drop: $out"; sleep 0.1
done
[ "$out" = "delivery $id dropped" ] || fail "drop says: $out"
ctl --json ack "it-host/service/db/with/a/long/path/in/the/key" | json "j['done']" |
	grep -qx "acknowledged it-host/service/db/with/a/long/path/in/the/key" || fail "--json lacks done"
echo "ok"
