#!/bin/sh
# triagectl report over 45 days of history (written by histgen through the
# store's interface, with past timestamps) and live events through the
# daemon: MTTA and MTTR overall, per rule and per host, events in against
# incidents and pages out, the heat map by hour of the week in UTC and in
# another zone, the days; the same figures histgen counted on its own.
# The walk is paged (one short request per 200 incidents, one per 500
# hours of counts) and bounded by
# --max, which the report says; the HTML is one file with 168 heat-map
# cells and a bar a day, no script, nothing fetched, hostile names escaped.
. "$(dirname "$0")/lib.sh"

: "${HISTGEN:=$PWD/tests/integration/histgen}"
start_pd
conf_head
conf_pd
cat >> "$CONF" <<CONF
retention { max-age 60d }
rule "chatter" { match syslog message ~ "^chatter"; drop }
rule "link down" {
	match syslog message ~ "link (?<ifname>\S+) down"
	resolve-on syslog message ~ "link (?<ifname>\S+) up"
	key "{host}/if/{ifname}"
	send "pd"
}
CONF
end=$(( $(date +%s) - 4 * 3600 ))
"$HISTGEN" "$T/state" "$end" 45 7 > "$T/expect.json" || fail "histgen"
start_triaged

# report JSON KEYS...: the report's JSON, compared by python3 with histgen's.
t0=$(date +%s.%N)
ctl --utc --json report --since 46d > "$T/r1.json" || fail "report: $(cat "$T/r1.json")"
t1=$(date +%s.%N)
python3 - "$T/r1.json" "$T/expect.json" <<'PY' || fail "the report of the history is wrong"
import json, sys
r, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def eq(what, got, want):
    if got != want:
        sys.exit("%s: %r, not %r" % (what, got, want))
for k in ("incidents", "alerts", "acknowledged", "resolved"):
    eq(k, r[k], e[k])
eq("events in", r["in"]["events"], e["events_in"])
eq("dropped", r["in"]["dropped"], e["dropped"])
eq("incidents out", r["in"]["opened"], e["incidents"])
eq("pages out", r["in"]["pages"], e["pages"])
eq("pages of incidents", r["pages"], e["pages"])
eq("MTTA", round(r["mtta_sec"] * 1e6), e["mtta_usec"])
eq("MTTR", round(r["mttr_sec"] * 1e6), e["mttr_usec"])
eq("rules", {g["name"]: g["incidents"] for g in r["rules"]}, e["rules"])
eq("hour of week", r["hour_of_week"], e["hour_of_week"])
eq("noise reduction", round(r["noise_reduction_pct"], 6),
   round(100 * (e["events_in"] - e["pages"]) / e["events_in"], 6))
eq("days", sum(d["incidents"] for d in r["days"]), e["incidents"])
eq("events by day", sum(d["events_in"] for d in r["days"]), e["events_in"])
# Three requests for 1,080 hours of counts (500 a request), one per 200 incidents.
eq("walked", (r["walked"], r["truncated"], r["requests"]), (e["incidents"], False, 3 + (e["incidents"] + 199) // 200))
hosts = {g["name"] for g in r["hosts"]}
assert "<script>alert(1)</script>" in hosts, hosts
print("history: %d incidents, %d requests" % (r["walked"], r["requests"]))
PY
echo "report of $(json "j['walked']" < "$T/r1.json") incidents in $(json "j['requests']" < "$T/r1.json") requests: $(python3 -c "print(round($t1 - $t0, 2))") s"

# show's related incidents over the history: the same host's open ones that
# opened within ten minutes of it, before or after, and no others.
ctl --json incidents --state open --limit 100000 > "$T/open.json"
python3 - "$T/open.json" > "$T/related.txt" <<'PY'
import datetime, json, sys
inc = json.load(open(sys.argv[1]))["incidents"]
t = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
def apart(a, b):
    return abs(t(a["first_seen"]) - t(b["first_seen"]))
# One with an open neighbour just outside the ten minutes, and one inside when there is.
best = None
for i in inc:
    same = [o for o in inc if o["host"] == i["host"] and o["id"] != i["id"]]
    near = sorted(o["key"] for o in same if apart(o, i) <= 600)
    if any(600 < apart(o, i) < 7200 for o in same) and len(near) <= 10:
        if best is None or (near and not best[1]):
            best = (i["key"], near)
if best:
    print(best[0])
    print(json.dumps(best[1]))
PY
[ -s "$T/related.txt" ] || fail "the history has no open incident with a neighbour past ten minutes"
rkey=$(sed -n 1p "$T/related.txt")
ctl --json show "$rkey" | json "json.dumps(sorted(r['key'] for r in j['incident']['related']))" |
	grep -qxF "$(sed -n 2p "$T/related.txt")" || fail "related of $rkey: $(ctl --json show "$rkey" | json "[r['key'] for r in j['incident']['related']]"), not $(sed -n 2p "$T/related.txt")"

# Another zone: Tokyo has no DST, so its week is UTC's turned by nine hours.
TZ=Asia/Tokyo ctl --json report --since 46d > "$T/tokyo.json"
python3 - "$T/tokyo.json" "$T/expect.json" <<'PY' || fail "the Tokyo heat map is not UTC's moved by 9 hours"
import json, sys
r, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
flat = [n for day in e["hour_of_week"] for n in day]
moved = flat[-9:] + flat[:-9]
assert [n for day in r["hour_of_week"] for n in day] == moved
assert r["zone"] == "local"
PY

# Live: noise, one link down that pages, acknowledged and resolved by its up.
for i in 1 2 3 4 5 6 7 8; do logger -n 127.0.0.1 -P "$PORT" -d "chatter $i"; done
logger -n 127.0.0.1 -P "$PORT" -d "link eth9 down"
key="$(hostname)/if/eth9"
wait_pd "s.get('$key', {}).get('triggers') == 1"
i=0
until ctl --json show "$key" | json "any(e['kind'] == 'delivery' for e in j['incident']['timeline'])" | grep -qx True; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no delivery on the timeline"; sleep 0.1
done
ctl ack "$key" >/dev/null
logger -n 127.0.0.1 -P "$PORT" -d "link eth9 up"
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$key'] == ['resolved']"
ctl --utc --json report --since 46d > "$T/r2.json"
python3 - "$T/r1.json" "$T/r2.json" <<'PY' || fail "live events are not counted: $(cat "$T/r2.json" | head -c 600)"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert b["in"]["events"] - a["in"]["events"] == 10, (a["in"], b["in"])
assert b["in"]["dropped"] - a["in"]["dropped"] == 8
assert (b["in"]["opened"] - a["in"]["opened"], b["in"]["pages"] - a["in"]["pages"]) == (1, 1)
assert b["in"]["deliveries"] - a["in"]["deliveries"] >= 2  # the trigger and the acknowledge at least
assert (b["incidents"] - a["incidents"], b["acknowledged"] - a["acknowledged"], b["resolved"] - a["resolved"]) == (1, 1, 1)
assert b["pages"] - a["pages"] == 1
live = [g for g in b["rules"] if g["name"] == "link down"][0]
assert live["incidents"] == [g for g in a["rules"] if g["name"] == "link down"][0]["incidents"] + 1
assert b["days"][-1]["incidents"] - a["days"][-1]["incidents"] >= 1
PY

# Bounded: --max stops the walk, and every output says so.
ctl --utc --json report --since 46d --max 100 > "$T/cut.json"
json "(j['walked'], j['truncated'], j['requests'])" < "$T/cut.json" | grep -qx "(100, True, 4)" ||
	fail "--max 100: $(head -c 400 "$T/cut.json")"
ctl --utc report --since 46d --max 100 > "$T/cut.txt"
grep -q "^(cut short: only the newest 100 incidents were counted, back to " "$T/cut.txt" ||
	fail "no cut-short note: $(cat "$T/cut.txt")"
ctl report --max 0 2>"$T/err" && fail "--max 0"
grep -q "max wants a number from 1 to 1000000" "$T/err" || fail "unclear: $(cat "$T/err")"
ctl report --since 401d 2>"$T/err" && fail "--since 401d"
grep -q "since wants a duration up to 400d" "$T/err" || fail "unclear: $(cat "$T/err")"

# The table: the summary, rules and hosts, the week and the days, hostile names escaped.
ctl --utc report --since 46d > "$T/r.txt"
grep -Eq "^events in +[0-9]+  \([0-9]+ dropped by rules\)$" "$T/r.txt" || fail "report: $(cat "$T/r.txt")"
grep -Eq "^pages out +[0-9]+  [0-9.]+% fewer than events, [0-9.]+% fewer than incidents$" "$T/r.txt" ||
	fail "report: $(cat "$T/r.txt")"
grep -Eq "^MTTA [0-9hms]+ over [0-9]+ acknowledged$" "$T/r.txt" || fail "report: $(cat "$T/r.txt")"
grep -Eq "^MTTR [0-9hms]+ over [0-9]+ resolved$" "$T/r.txt" || fail "report: $(cat "$T/r.txt")"
grep -Eq "^RULE +INCIDENTS +ALERTS +PAGES +EVENTS +MTTA +MTTR$" "$T/r.txt" || fail "no rule table"
grep -Eq "^link down +[0-9]+ +[0-9]+ +[0-9]+ " "$T/r.txt" || fail "no link down row"
grep -q "^incidents by hour of the week (UTC; darkest: " "$T/r.txt" || fail "no week"
[ "$(grep -Ec "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) " "$T/r.txt")" -eq 7 ] || fail "week rows: $(cat "$T/r.txt")"
[ "$(grep -Ec "^20[0-9]{2}-[0-9]{2}-[0-9]{2} " "$T/r.txt")" -eq 47 ] || fail "days: $(cat "$T/r.txt")"
if grep -q "<script>" "$T/r.txt"; then :; else fail "the hostile host is not listed"; fi
python3 - "$T/r.txt" <<'PY' || fail "report is wider than 80 columns"
import sys
sys.exit(any(len(l) > 80 for l in open(sys.argv[1], encoding="utf-8").read().splitlines()))
PY

# HTML: one file, 168 cells, a bar a day, nothing to fetch or run, names escaped.
ctl --utc report --since 46d --html "$T/report.html" > "$T/r.txt" || fail "report --html"
grep -q "^written to $T/report.html$" "$T/r.txt" || fail "report --html says: $(cat "$T/r.txt")"
python3 - "$T/report.html" "$T/r2.json" <<'PY' || fail "report.html"
import html.parser, json, sys
doc = open(sys.argv[1], encoding="utf-8").read()
days = len(json.load(open(sys.argv[2]))["days"])
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rects, self.tags, self.attrs = {}, set(), []
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += [a for a, _ in attrs]
        if tag == "rect":
            c = dict(attrs).get("class")
            self.rects[c] = self.rects.get(c, 0) + 1
p = P()
p.feed(doc)
assert p.rects.get("hour-cell") == 168, p.rects
assert p.rects.get("day-bar") == days and p.rects.get("event-bar") == days, (p.rects, days)
assert "script" not in p.tags and "iframe" not in p.tags and "img" not in p.tags, p.tags
assert not {"src", "href"} & set(p.attrs) and not any(a.startswith("on") for a in p.attrs), p.attrs
assert "://" not in doc and "url(" not in doc
assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
assert "Content-Security-Policy" in doc
PY
pass "45 days of history and live events reported in table, JSON and HTML"
