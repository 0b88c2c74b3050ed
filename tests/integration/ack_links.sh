#!/bin/sh
# Ack and resolve links through the real daemon's HTTP listener: GET shows
# the incident (its hostile text escaped) and acts on nothing; the POST
# acks, in the name of "ack link", and the ack goes upstream; a used,
# tampered, misplaced or expired link is refused; the link key survives a
# restart; /healthz answers; /metrics and `triagectl metrics` parse as
# Prometheus text (the Python client's parser) and agree with status; a bad
# listen http block fails triaged -t.
. "$(dirname "$0")/lib.sh"

HP=$(free_port)
start_pd
conf_head
conf_pd
cat >> "$CONF" <<CONF
listen http 127.0.0.1:$HP { link-lifetime 1h }
listen syslog tcp 127.0.0.1:$(free_port) { name "we\\"ird\\\\name" }
rule "svc" {
	match syslog message ~ "svc (?<n>[a-z]+) down"
	key "svc-{n}"
	send "pd"
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null 2>&1 || fail "triaged -t refused the config"
start_triaged

# http METHOD URL: the status on the first line, then the headers and body, in $T/resp.
http() {
	python3 - "$1" "$2" > "$T/resp" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[2], method=sys.argv[1], data=b"" if sys.argv[1] == "POST" else None)
try:
    r = urllib.request.urlopen(req, timeout=10)
except urllib.error.HTTPError as e:
    r = e
print(r.status)
print(str(r.headers))
sys.stdout.flush()
sys.stdout.buffer.write(r.read())
PY
	head -n 1 "$T/resp"
}
state_of() { ctl --json show "$1" | json "j['incident']['state']"; }
link_of() { ctl --json show "$1" | json "j['incident']['links']['$2']"; }

python3 - "$PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for line in (b'<11>Dec  4 09:00:00 h app: svc a down <script>alert(1)</script> caf\xe9 "q" \x1b[31m',
             b'<11>Dec  4 09:00:00 h app: svc b down'):
    s.sendto(line, ("127.0.0.1", int(sys.argv[1])))
PY
wait_incidents "len(j['incidents']) == 2"
wait_pd "s.get('svc-a', {}).get('triggers') == 1 and s.get('svc-b', {}).get('triggers') == 1"
B_RESOLVE=$(link_of svc-b resolve)
ACK=$(link_of svc-a ack)
case $ACK in "http://127.0.0.1:$HP/ack/"????????????????????????????????????????????) ;;
*) fail "the ack link: $ACK" ;; esac

# GET asks and changes nothing; everything from the network is escaped.
[ "$(http GET "$ACK")" = 200 ] || fail "GET the ack link: $(cat "$T/resp")"
grep -q '<form method="post"><button type="submit">Acknowledge</button></form>' "$T/resp" \
	|| fail "no confirm button: $(cat "$T/resp")"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/resp" || fail "the summary is not escaped: $(cat "$T/resp")"
grep -qF '<script>' "$T/resp" && fail "a tag from the network reached the page"
grep -q "$(printf '\033')" "$T/resp" && fail "an escape byte reached the page"
# Not UTF-8 on a utf-8 listener: U+FFFD, as everywhere else.
grep -qF "$(printf 'caf\357\277\275 &quot;q&quot;')" "$T/resp" \
	|| fail "the Latin-1 byte or the quotes: $(cat "$T/resp")"
grep -qi '^Cache-Control: no-store' "$T/resp" || fail "the page may be cached"
grep -qi '^Referrer-Policy: no-referrer' "$T/resp" || fail "the token may leak in a Referer"
[ "$(state_of svc-a)" = triggered ] || fail "a GET acted: $(state_of svc-a)"

# POST acts, once, by "ack link", and PagerDuty hears the acknowledge.
[ "$(http POST "$ACK")" = 200 ] || fail "POST the ack link: $(cat "$T/resp")"
grep -q "Acknowledged" "$T/resp" || fail "no acknowledgement page"
[ "$(state_of svc-a)" = acknowledged ] || fail "the POST did not ack: $(state_of svc-a)"
ctl show svc-a | grep -q "acknowledged: by ack link" || fail "timeline: $(ctl show svc-a)"
wait_pd "s['svc-a']['acks'] == 1"
[ "$(http POST "$ACK")" = 410 ] || fail "a used link acted again: $(cat "$T/resp")"
[ "$(http GET "$ACK")" = 410 ] || fail "a used link asked again"
grep -q "already acknowledged" "$T/resp" || fail "no reason given: $(cat "$T/resp")"

# Tampered, on the wrong path, unknown: not found.
TAMPERED=$(printf '%s' "$ACK" | sed 's/.$/A/;t;s/.$/B/')
[ "$TAMPERED" != "$ACK" ] || TAMPERED=$(printf '%s' "$ACK" | sed 's/.$/B/')
[ "$(http POST "$TAMPERED")" = 404 ] || fail "a tampered token: $(head -n 1 "$T/resp")"
[ "$(http POST "$(printf '%s' "$ACK" | sed 's|/ack/|/resolve/|')")" = 404 ] || fail "an ack token resolved"
[ "$(http GET "http://127.0.0.1:$HP/ack/x")" = 404 ] || fail "a short token"
[ "$(http GET "http://127.0.0.1:$HP/nothing")" = 404 ] || fail "an unknown path"
[ "$(http PUT "$ACK")" = 405 ] || fail "PUT on a link"
grep -qi '^Allow: GET, HEAD, POST' "$T/resp" || fail "no Allow header"
# Hostile paths: NUL, ESC, CR/LF and bytes that are not UTF-8, escaped in the URL; and
# 64 KiB of path, past the per-connection limit: refused, and the daemon goes on.
for p in "/ack/%00%1b%0d%0a%ff%fe" "/resolve/$(printf '%044d' 0)%00" "/%1b[31m/ack/"; do
	[ "$(http GET "http://127.0.0.1:$HP$p")" = 404 ] || fail "a hostile path: $p: $(head -n 1 "$T/resp")"
	grep -q "$(printf '\033')" "$T/resp" && fail "an escape byte reached the page"
done
python3 - "$HP" <<'PY' || fail "64 KiB of path"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /ack/" + b"A" * 65536 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
status = s.recv(64).split(b" ")[1]
assert status in (b"414", b"431", b"400"), status
PY
[ "$(http GET "http://127.0.0.1:$HP/healthz")" = 200 ] || fail "healthz"
tail -n 1 "$T/resp" | grep -qx ok || fail "healthz body: $(cat "$T/resp")"

# The resolve link closes the acked incident, and PagerDuty hears it.
RESOLVE=$(link_of svc-a resolve)
[ "$(http POST "$RESOLVE")" = 200 ] || fail "POST the resolve link: $(cat "$T/resp")"
[ "$(state_of svc-a)" = resolved ] || fail "not resolved: $(state_of svc-a)"
wait_pd "s['svc-a']['resolves'] == 1"

wait_status "j['http']['acted'] == 2 and j['http']['stale'] == 2 and j['http']['refused'] == 7"

# The key survives a restart: a link from before still acts.
ls -l "$T/state/link.key" | grep -q '^-rw-------' || fail "link.key is not 0600: $(ls -l "$T/state/link.key")"
stop_triaged
start_triaged
[ "$(http POST "$B_RESOLVE")" = 200 ] || fail "a link from before the restart: $(cat "$T/resp")"
[ "$(state_of svc-b)" = resolved ] || fail "svc-b not resolved"

# A reload takes a new link-lifetime; a link past it says so.
logger -n 127.0.0.1 -P "$PORT" -d -t app "svc c down"
wait_incidents "len(j['incidents']) == 3"
sed -i 's/link-lifetime 1h/link-lifetime 1s/' "$CONF"
ctl reload >/dev/null || fail "reload refused"
C_ACK=$(link_of svc-c ack)
sleep 2.2
[ "$(http GET "$C_ACK")" = 410 ] || fail "an expired link: $(cat "$T/resp")"
grep -q "expired" "$T/resp" || fail "no word of expiry: $(cat "$T/resp")"
wait_status "j['http']['acted'] == 1 and j['http']['expired'] == 1"

# Metrics: the Python client's parser (Debian's python3-prometheus-client) takes
# both, and what they say is what status says.  The reload began the rule's
# counts again: one line since.
logger -n 127.0.0.1 -P "$PORT" -d -t app "svc d down"
wait_incidents "len(j['incidents']) == 4"
http GET "http://127.0.0.1:$HP/metrics" >/dev/null
grep -qi '^Content-Type: text/plain; version=0.0.4' "$T/resp" || fail "metrics content type"
sed '1,/^$/d' "$T/resp" > "$T/metrics.http"
ctl metrics > "$T/metrics.ctl"
ctl --json status > "$T/status.json"
/usr/bin/python3 - "$T/metrics.http" "$T/metrics.ctl" "$T/status.json" <<'PY' || fail "metrics"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
st = json.load(open(sys.argv[3]))
for path in sys.argv[1:3]:
    fams = {f.name: f for f in text_string_to_metric_families(open(path).read())}
    def value(name, **labels):
        fam = name
        for suffix in ("_total", "_count", "_sum", "_bucket"):
            if name.endswith(suffix) and name[:-len(suffix)] in fams:
                fam = name[:-len(suffix)]
        for s in fams[fam].samples:
            if s.name == name and s.labels == labels:
                return s.value
        raise AssertionError("%s %s not in %s" % (name, labels, path))
    assert fams["triaged_events_received"].type == "counter"
    assert value("triaged_events_received_total") == st["events"]["received"] == 2, path
    assert value("triaged_incidents", state="resolved") == 2, path
    assert value("triaged_incidents", state="triggered") == 2, path
    assert value("triaged_http_link_results_total", result="acted") == 1, path
    assert value("triaged_http_link_results_total", result="expired") == 1, path
    assert value("triaged_upstream_up", upstream="pd") == 1, path
    assert value("triaged_upstream_delivered_total", upstream="pd") == st["upstreams"][0]["delivered"]
    assert value("triaged_listener_received_total", listener='we"ird\\name') == 0, path
    assert value("triaged_rule_matched_total", rule="svc") == 1, path
    assert value("triaged_rule_dropped_total", rule="svc") == 0, path
    assert value("triaged_store_map_size_bytes") == st["store"]["map_size"], path
    h = [s for s in fams["triaged_loop_dispatch_seconds"].samples if s.name.endswith("_bucket")]
    assert h[-1].labels["le"] == "+Inf" and all(a.value <= b.value for a, b in zip(h, h[1:])), h
    assert fams["triaged_commit_duration_seconds"].type == "summary"
    assert value("triaged_upstream_delivery_seconds_count", upstream="pd") == st["upstreams"][0]["delivered"] > 0
PY

for bad in 'listen http 127.0.0.1:1 { link-lifetime 0s }|link-lifetime must be from 1s to 30d' \
	'listen http 127.0.0.1:1 { url "javascript:alert(1)" }|url must be http:// or https://' \
	'listen http *:1|an HTTP listener on \*:1 needs a url' \
	'listen http "localhost:1"|expected a numeric address'; do
	printf '%s\n' "${bad%%|*}" > "$T/bad.conf"
	"$TRIAGED" -t -c "$T/bad.conf" 2>"$T/err" && fail "triaged -t accepted: ${bad%%|*}"
	grep -q "bad.conf:1: ${bad#*|}" "$T/err" || fail "unclear error: $(cat "$T/err")"
done
printf 'listen http 127.0.0.1:1\nlisten http 127.0.0.1:2\n' > "$T/bad.conf"
"$TRIAGED" -t -c "$T/bad.conf" 2>"$T/err" && fail "two HTTP listeners accepted"
grep -q "bad.conf:2: a second HTTP listener (the first at .*bad.conf:1)" "$T/err" \
	|| fail "unclear error: $(cat "$T/err")"
pass "a link asks on GET and acts once on POST, upstream too; tampered, used and expired links refused"
