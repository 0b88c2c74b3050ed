#!/bin/sh
# triagectl note puts a person's note on an incident's timeline in that
# person's name, open or closed, hostile text escaped, at most 100 an
# incident; triagectl timeline lists every line with how long after the
# first event it came, deliveries and the state the upstream was told
# among them; show lists the earlier incarnations of the key (bounded,
# newest first, each shown whole with --id) and the host's other open
# incidents of the same ten minutes.
. "$(dirname "$0")/lib.sh"

start_pd
conf_head
conf_pd
cat >> "$CONF" <<CONF
rule "link" {
	match syslog message ~ "link (?<ifname>\S+) down"
	resolve-on syslog message ~ "link (?<ifname>\S+) up"
	key "{host}/if/{ifname}"
	summary "{host}: link {ifname} down"
	send "pd"
}
CONF
start_triaged
# send "HOST TEXT"...: lines from hosts, as switches send them, in order.
send() {
	python3 - "$PORT" "$@" <<'PY'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for line in sys.argv[2:]:
    host, text = line.split(" ", 1)
    u.sendto(("<11>Nov 26 09:00:00 %s kernel: %s" % (host, text)).encode(), ("127.0.0.1", int(sys.argv[1])))
PY
}
key=sw1/if/eth1

# Twelve incarnations of one key; show lists the ten before the newest.
set --
for n in 1 2 3 4 5 6 7 8 9 10 11; do set -- "$@" "sw1 link eth1 down" "sw1 link eth1 up"; done
send "$@" "sw1 link eth1 down"
wait_incidents "[i['state'] for i in j['incidents'] if i['key'] == '$key'] == ['triggered'] + ['resolved'] * 11"
ctl --json show "$key" > "$T/show.json"
json "(len(j['incident']['past']), j['incident']['past_more'], j['incident']['state'])" \
	< "$T/show.json" | grep -qx "(10, True, 'triggered')" || fail "past: $(cat "$T/show.json")"
json "[p['id'] for p in j['incident']['past']] == sorted((p['id'] for p in j['incident']['past']), reverse=True) and all(p['state'] == 'resolved' and p['id'] < j['incident']['id'] for p in j['incident']['past'])" \
	< "$T/show.json" | grep -qx True || fail "past is not the earlier ones, newest first"
ctl show "$key" > "$T/show"
grep -q "^past incidents with this key, newest first:" "$T/show" || fail "show: $(cat "$T/show")"
[ "$(grep -c "^  #[0-9]* *resolved" "$T/show")" -eq 10 ] || fail "show lists: $(cat "$T/show")"
grep -q "(and earlier ones)" "$T/show" || fail "show does not say there are more"
# --id: one earlier incarnation whole, its own past before it.
old=$(json "j['incident']['past'][-1]['id']" < "$T/show.json")
ctl --json show "$key" --id "$old" | json "(j['incident']['id'], j['incident']['state'], len(j['incident']['past']))" |
	grep -qx "($old, 'resolved', 1)" || fail "show --id $old: $(ctl --json show "$key" --id "$old")"
ctl show "$key" --id 999999 2>"$T/err" && fail "show --id of another incident"
grep -q "no incident with that key and id" "$T/err" || fail "unclear: $(cat "$T/err")"

# Related: the same host's other open incidents, not another host's, not closed ones.
send "sw1 link eth2 down" "sw2 link eth1 down" "sw1 link eth3 down" "sw1 link eth3 up"
wait_incidents "len(j['incidents']) == 15 and sum(1 for i in j['incidents'] if i['state'] == 'resolved') == 12"
ctl --json show "$key" | json "sorted(r['key'] for r in j['incident']['related'])" |
	grep -qx "\['sw1/if/eth2'\]" || fail "related: $(ctl --json show "$key")"
ctl show "$key" | grep -Eq "^  triggered +sw1/if/eth2 +sw1: link eth2 down$" ||
	fail "show's related: $(ctl show "$key")"

# Notes: in the writer's name, on an open and on a closed incident.
me="$(id -un) (uid $(id -u))"
[ "$(ctl note "$key" "swapped the SFP")" = "noted on $key" ] || fail "note says nothing"
ctl note sw1/if/eth3 "flapped once, ignore" || fail "note on a resolved incident"
ctl --json show sw1/if/eth3 | json "[e['text'] for e in j['incident']['timeline'] if e['kind'] == 'comment']" |
	grep -qxF "['by $me: flapped once, ignore']" || fail "note on eth3: $(ctl --json show sw1/if/eth3)"
ctl note nosuch/key "x" 2>"$T/err" && fail "a note on no incident"
grep -q "no incident with key 'nosuch/key'" "$T/err" || fail "unclear: $(cat "$T/err")"
# Hostile text: escaped in the reply and on the terminal; a text over 900 bytes is refused.
ctl note "$key" "$(printf 'red\033[31m\tbell\007 <b>|x|</b>')" || fail "hostile note"
ctl --json show "$key" | json "[e['text'] for e in j['incident']['timeline'] if e['kind'] == 'comment'][-1]" |
	grep -qxF "by $me: red#033[31m#011bell#007 <b>|x|</b>" || fail "hostile note stored as: $(ctl --json show "$key")"
ctl timeline "$key" > "$T/timeline"
if grep -q "$(printf '\033')" "$T/timeline"; then fail "an escape reached the terminal"; fi
ctl note "$key" -- "-32 dBm on the optic" >/dev/null || fail "a note that begins with -"
ctl --json show "$key" | json "[e['text'] for e in j['incident']['timeline'] if e['kind'] == 'comment'][-1]" |
	grep -qxF "by $me: -32 dBm on the optic" || fail "the note after --"
ctl note "$key" "$(python3 -c "print('n' * 901)")" 2>"$T/err" && fail "a 901-byte note"
grep -q '"text" must be a string of 1 to 900 bytes' "$T/err" || fail "unclear: $(cat "$T/err")"

# timeline: every line, +AFTER from the first event, the delivery and what it told.
wait_pd "s.get('$key', {}).get('state') == 'triggered'"
i=0
until ctl --json show "$key" | json "any(e['kind'] == 'delivery' for e in j['incident']['timeline'])" | grep -qx True; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no delivery on the timeline: $(ctl --json show "$key")"; sleep 0.1
done
ctl --json show "$key" | json "[(e['state'], e['text'][:20]) for e in j['incident']['timeline'] if e['kind'] == 'delivery']" |
	grep -qxF "[('triggered', 'delivered trigger to')]" || fail "delivery line: $(ctl --json show "$key")"
ctl timeline "$key" > "$T/timeline"
head -n 2 "$T/timeline" | grep -Eq "^TIME +\+AFTER +KIND +TEXT$" || fail "timeline: $(cat "$T/timeline")"
grep -Eq " \+0s +state +triggered: opened$" "$T/timeline" || fail "timeline: $(cat "$T/timeline")"
grep -Eq " \+[0-9]+s +delivery +delivered trigger to pd: HTTP 202$" "$T/timeline" ||
	fail "timeline: $(cat "$T/timeline")"
grep -Eq " +comment +by $(id -un) \(uid $(id -u)\): swapped the SFP$" "$T/timeline" ||
	fail "timeline: $(cat "$T/timeline")"
python3 - "$T/timeline" <<'PY' || fail "timeline is wider than 80 columns: $(cat "$T/timeline")"
import sys
sys.exit(any(len(l) > 80 for l in open(sys.argv[1], encoding="utf-8").read().splitlines()))
PY
ctl timeline "$key" --format html 2>"$T/err" && fail "--format html"
ctl --json timeline "$key" | json "j['incident']['key']" | grep -qx "$key" || fail "timeline --json"

# The postmortem draft: durations from the alert, who acknowledged, the
# notes; a sender's and a person's text that a Markdown renderer (GitHub's
# cmark-gfm, when installed) shows as text, not as a link, a tag or a cell.
hostile='*[x](javascript:alert(1))*|<b>'
hkey="sw3/if/$hostile"
send "sw3 link $hostile down"
wait_incidents "any(i['key'] == '$hkey' for i in j['incidents'])"
sleep 1
ctl ack "$hkey" >/dev/null || fail "ack $hkey"
ctl note "$hkey" "see [runbook](http://x) & <i>this</i> | ~~not~~" >/dev/null || fail "note $hkey"
ctl resolve "$hkey" >/dev/null || fail "resolve $hkey"
ctl --utc timeline "$hkey" --format md > "$T/pm.md"
grep -qxF '# Postmortem: sw3: link \*\[x\](javascript:alert(1))\*\|\<b\> down' "$T/pm.md" ||
	fail "title: $(cat "$T/pm.md")"
grep -Eq "^\| Time to acknowledge \| [0-9]+s \(acknowledged: by $(id -un) \(uid $(id -u)\)\) \|$" "$T/pm.md" ||
	fail "time to acknowledge: $(cat "$T/pm.md")"
grep -Eq "^\| Time to resolve \| [0-9]+s \|$" "$T/pm.md" || fail "time to resolve: $(cat "$T/pm.md")"
grep -Eq "^\| Impact window \| [0-9: -]+ UTC to [0-9: -]+ UTC, [0-9]+s \|$" "$T/pm.md" ||
	fail "impact window: $(cat "$T/pm.md")"
for s in Summary Events "State changes" Deliveries Pages Acknowledgements Notes Resolution \
	"What went well" "What went wrong" "Action items"; do
	grep -qx "## $s" "$T/pm.md" || fail "no section $s: $(cat "$T/pm.md")"
done
sed -n '/^## Notes$/,/^## /p' "$T/pm.md" | grep -qF "by $(id -un) (uid $(id -u)): see \\[runbook\\](http\\://x)" ||
	fail "notes: $(cat "$T/pm.md")"
if command -v cmark-gfm >/dev/null; then
	cmark-gfm -e table -e strikethrough -e autolink -e tagfilter "$T/pm.md" > "$T/pm.html"
	python3 - "$T/pm.html" "$hostile" <<'PY' || fail "the draft renders wrong: $(cat "$T/pm.html")"
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.h1, self.rows, self.cells, self.open = [], "", [], 0, []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.open.append(tag)
        if tag == "tr":
            self.cells = 0
        if tag in ("td", "th"):
            self.cells += 1
    def handle_endtag(self, tag):
        if tag == "tr":
            self.rows.append(self.cells)
        self.open.pop()
    def handle_data(self, data):
        if self.open and self.open[-1] == "h1":
            self.h1 += data
p = P()
p.feed(open(sys.argv[1]).read())
bad = set(p.tags) - {"h1", "h2", "p", "em", "table", "thead", "tbody", "tr", "th", "td", "ul", "li"}
assert not bad, bad
assert p.tags.count("em") == 1, p.tags  # the draft's own note, nothing from the text
assert p.h1 == "Postmortem: sw3: link %s down" % sys.argv[2], p.h1
assert p.rows and all(n == 2 for n in p.rows), p.rows
PY
else
	echo "note: cmark-gfm not installed (tools/deps test installs it): the draft was not rendered"
fi

# At most 100 notes an incident; the 101st is refused and counted.
# The rest up to 100 over one connection, as a script would.
n=$(ctl --json show "$key" | json "sum(1 for e in j['incident']['timeline'] if e['kind'] == 'comment')")
python3 - "$SOCK" "$key" "$n" <<'PY' || fail "a note below the limit was refused"
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = s.makefile("rwb")
for i in range(int(sys.argv[3]), 100):
    f.write(json.dumps({"command": "note", "key": sys.argv[2], "text": "note %d" % i}).encode() + b"\n")
    f.flush()
    reply = json.loads(f.readline())
    assert reply["ok"], reply
PY
ctl note "$key" "one too many" 2>"$T/err" && fail "a 101st note"
grep -q "has 100 notes, the most one keeps" "$T/err" || fail "unclear: $(cat "$T/err")"
ctl --json status | json "(j['notes']['added'], j['notes']['refused'], j['notes']['max_per_incident'])" |
	grep -qx "(102, 1, 100)" || fail "notes in status: $(ctl --json status | json "j['notes']")"
stop_triaged
start_triaged
ctl --json show "$key" | json "sum(1 for e in j['incident']['timeline'] if e['kind'] == 'comment')" |
	grep -qx 100 || fail "notes did not survive a restart"
pass "notes, timeline, past and related incidents"
