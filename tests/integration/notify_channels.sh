#!/bin/sh
# notify_channels.sh - pages by SMS (a stand-in for Twilio's Messages API,
# basic auth checked), chat (a Slack-style webhook) and exec (a program
# recording its standard input): alice gets chat at once (after her
# webhook's 429 and 500) and SMS after 8 s unless she acks from the chat
# message's link; carol's program gets the
# page as JSON; dave's SMS goes after 429 (Retry-After) and 500; bob's
# number is refused (400, Twilio's error in triagectl queue) and erin's
# webhook is gone (404): both dead-lettered, each falls through to the
# contact's next channel at once; a program that asks for a retry (75),
# fails (3) or outlives its timeout; max-running holds back the next
# program; hostile text (CR, LF, NUL, ESC, invalid UTF-8, <!channel>) from a
# logger line reaches the SMS body, the chat JSON and the program's input
# safely; triagectl page --incident adds a responder to an open incident;
# a resolve tells everyone paged; the token is never logged nor stored.
. "$(dirname "$0")/lib.sh"

HTTP_PORT=$(free_port)
SID=ACtest0123456789
TOKEN=tok-s3cr3t-0123456789abcdef
printf '%s\n' "$TOKEN" > "$T/twilio.token"
mkdir "$T/exec"
STANDINS="$TOP_SRCDIR/tests/standins"

python3 "$STANDINS/twilio.py" --port-file "$T/tw.port" --pidfile "$T/tw.pid" \
	--record "$T/sms.jsonl" --sid "$SID" --token "$TOKEN" --invalid +15550199 \
	--answer +15550142=429,500 >"$T/tw.log" 2>&1 &
python3 "$STANDINS/chat.py" --port-file "$T/chat.port" --pidfile "$T/chat.pid" \
	--record "$T/chat.jsonl" --gone /hooks/erin --answer /hooks/alice=429,500 >"$T/chat.log" 2>&1 &
i=0
until [ -s "$T/tw.port" ] && [ -s "$T/chat.port" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "stand-ins did not start"
	sleep 0.1
done
TW=$(cat "$T/tw.port")
CHAT=$(cat "$T/chat.port")

conf_head
cat >> "$CONF" <<CONF
listen http 127.0.0.1:$HTTP_PORT
notifier sms {
	url "http://127.0.0.1:$TW/2010-04-01/Accounts/$SID/Messages.json"
	account-sid "$SID"
	token-file "$T/twilio.token"
	from "+15550100"
	backoff-initial 1s; backoff-max 2s
}
notifier chat { url "http://127.0.0.1:$CHAT/hooks/shared"; format slack; backoff-initial 1s; backoff-max 2s }
notifier exec {
	command "/bin/sh" "$STANDINS/exec_recorder.sh" "$T/exec"
	timeout 1s; max-running 1; backoff-initial 1s; backoff-max 2s
}
contact "alice" { sms "+15550101"; chat "http://127.0.0.1:$CHAT/hooks/alice"; notify chat; notify sms after 8s }
contact "bob" { sms "+15550199"; notify sms; notify exec after 1h }
contact "carol" { notify exec }
contact "dave" { sms "+15550142"; notify sms }
contact "erin" { chat "http://127.0.0.1:$CHAT/hooks/erin"; sms "+15550155"; notify chat; notify sms after 1h }
contact "frank" { notify chat }
contact "gina" { notify exec }
policy "P" { level { notify contact "alice", contact "bob", contact "carol", contact "dave", contact "erin" } }
policy "C" { level { notify contact "carol" } }
rule "disk" {
	match syslog message ~ "disk (?<dev>[a-z]+) full"
	resolve-on syslog message ~ "disk (?<dev>[a-z]+) ok"
	key "disk/{dev}"
	page "P"
}
rule "fan" {
	match syslog message ~ "fan (?<n>[0-9]+) stopped"
	key "fan/{n}"
	page "C"
}
CONF
"$TRIAGED" -t -c "$CONF" >/dev/null || fail "triaged -t refused the config"
start_triaged

say() {
	logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t storage "$1"
}

# records KIND: what a stand-in recorded, as a JSON list (sms, chat) or the program's inputs (exec).
cat > "$T/records.py" <<'PY'
import glob, json, os, sys
kind, t = sys.argv[1], sys.argv[2]
if kind == "exec":
    out = []
    for f in sorted(glob.glob(t + "/exec/run.*.json"), key=os.path.getmtime):
        raw = open(f, "rb").read()
        out.append({"raw": raw.decode("latin-1"), "page": json.loads(raw),
                    "at": os.path.getmtime(f)})
else:
    out = [json.loads(l) for l in open("%s/%s.jsonl" % (t, kind))] if os.path.exists(
        "%s/%s.jsonl" % (t, kind)) else []
print(json.dumps(out))
PY
# wait_rec KIND EXPR [SECONDS]: EXPR over the list r of KIND's records becomes true.
wait_rec() {
	got=$(poll "${3:-10}" r "$2" cmd python3 "$T/records.py" "$1" "$T") ||
		fail "timed out waiting for $1: $2 (got: $got)"
}
rec() {
	python3 "$T/records.py" "$1" "$T" | json "$2"
}

say "disk sda full"
# alice's chat message at once, with everything a page carries.
wait_rec chat 'any(x["path"] == "/hooks/alice" and "sda" in x["body"] for x in r)'
# Her webhook answers 429 (Retry-After: 1), then 500: the message goes on the third try.
wait_rec chat '[x["status"] for x in r if x["path"] == "/hooks/alice"][:3] == [429, 500, 200]'
rec chat '[x for x in j if x["path"] == "/hooks/alice"][2]' > "$T/alice.chat"
python3 - "$T/alice.chat" "$HTTP_PORT" <<'PY' || fail "alice's chat message lacks a field"
import ast, json, sys
x = ast.literal_eval(open(sys.argv[1]).read())
assert x["content_type"] == "application/json", x
m = json.loads(x["body"])
t = m["text"]
for want in ("PAGE: ", "Host: ", "Count: 1", "First seen: 20", "Key: disk/sda",
             "Paged: alice, level 1 of policy P",
             "Acknowledge: http://127.0.0.1:%s/ack/" % sys.argv[2]):
    assert want in t, (want, t)
assert m["blocks"][1]["elements"][0]["url"].startswith("http://127.0.0.1:" + sys.argv[2])
PY
# carol's program gets the page as JSON.
wait_rec exec 'any(x["page"]["contact"] == "carol" for x in r)'
rec exec '[x["page"] for x in j if x["page"]["contact"] == "carol"][0]' > "$T/carol.page"
python3 - "$T/carol.page" <<'PY' || fail "carol's program got: $(cat "$T/carol.page")"
import ast, sys
p = ast.literal_eval(open(sys.argv[1]).read())
assert p["event"] == "page" and p["key"] == "disk/sda" and p["count"] == 1, p
assert "disk sda full" in p["summary"] and p["host"] and p["first_seen"].startswith("20"), p
assert p["level"] == 1 and p["policy"] == "P" and p["ack_link"].startswith("http://127.0.0.1:"), p
PY
# dave's SMS: 429 (Retry-After: 1), 500, then 201; every request with the account's basic auth.
wait_rec sms '[x["status"] for x in r if x["to"] == "+15550142"] == [429, 500, 201]' 15
rec sms 'all(x["auth_ok"] and x["from"] == "+15550100" and x["content_type"] ==
	"application/x-www-form-urlencoded" for x in j)' | grep -q True ||
	fail "an SMS request without the account's auth, From or form: $(cat "$T/sms.jsonl")"
rec sms '[x["body"] for x in j if x["to"] == "+15550142"][-1]' > "$T/dave.sms"
python3 - "$T/dave.sms" <<'PY' || fail "dave's SMS: $(cat "$T/dave.sms")"
import sys
b = open(sys.argv[1]).read().rstrip("\n")
assert b.startswith("PAGE: ") and "disk sda full" in b and len(b.encode()) <= 160, b
assert " x1 since " in b and " | ack http://127.0.0.1:" in b, b
PY
# bob's number is refused: dead-lettered with Twilio's words, then his next channel (exec) at once.
wait_rec exec 'any(x["page"]["contact"] == "bob" for x in r)'
ctl --wide queue > "$T/queue"
grep -q "Twilio 21211: The 'To' number +15550199 is not a valid phone number" "$T/queue" ||
	fail "queue does not show Twilio's error: $(cat "$T/queue")"
ctl --json queue | json '[d["state"] for d in j["deliveries"] if d["upstream"] == "sms/bob"]' |
	grep -q "'dead'" || fail "bob's SMS is not dead-lettered"
# erin's webhook is gone (404 no_service): her SMS at once.
wait_rec sms 'any(x["to"] == "+15550155" and x["status"] == 201 for x in r)'
ctl --json queue | json '[d["last_error"] for d in j["deliveries"] if d["upstream"] == "chat/erin"]' |
	grep -q "HTTP 404: no_service" || fail "erin's chat page is not dead with the answer"
wait_status 'j["oncall"]["escalations"]["fell_through"] == 2'
ctl show disk/sda | grep -q "the page to erin by chat was dead-lettered: trying sms now" ||
	fail "show does not say the page fell through"

# sdb: alice acks from the chat message's link, so her SMS never comes; sda's does after 8 s (a margin for a loaded machine).
say "disk sdb full"
wait_rec chat 'any(x["path"] == "/hooks/alice" and "sdb" in x["body"] for x in r)'
rec chat '[json.loads(x["body"])["blocks"][1]["elements"][0]["url"] for x in j
	if x["path"] == "/hooks/alice" and "sdb" in x["body"]][0]' > "$T/link"
python3 - "$(cat "$T/link")" <<'PY' || fail "the ack link in the chat message did not ack sdb"
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=b"", method="POST")
assert urllib.request.urlopen(req, timeout=10).status == 200
PY
ctl show disk/sdb | grep -q "acknowledged: by ack link" || fail "sdb not acked by the link"
wait_rec sms 'any(x["to"] == "+15550101" and "sda" in x["body"] for x in r)' 12
rec sms '[x for x in j if x["to"] == "+15550101" and "sda" in x["body"]][0]["body"]' |
	grep -q "^PAGE: .*disk sda full | " || fail "alice's SMS: $(cat "$T/sms.jsonl")"

# Hostile text from a logger line (CR, LF, ESC, invalid UTF-8, Slack markup), and a NUL by datagram.
logger -n 127.0.0.1 -P "$PORT" -d --rfc3164 -t storage \
	"$(printf 'disk sdz full \r\nBcc: x \033[31m <!channel> @here \377\376')"
python3 - "$PORT" <<'PY'
import socket, sys
msg = b"<11>Dec  5 00:00:00 h app: disk sdy full \x00\x1b]0;t\x07 \xc2\x85 \xff"
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(msg, ("127.0.0.1", int(sys.argv[1])))
PY
wait_rec chat 'sum(1 for x in r if x["path"] == "/hooks/alice" and ("sdz" in x["body"] or
	"sdy" in x["body"])) == 2'
wait_rec exec 'sum(1 for x in r if x["page"]["contact"] == "carol" and
	x["page"]["key"] in ("disk/sdz", "disk/sdy")) == 2'
wait_rec sms 'sum(1 for x in r if x["to"] == "+15550142" and ("sdz" in x["body"] or
	"sdy" in x["body"])) == 2'
python3 "$T/records.py" chat "$T" > "$T/chat.json"
python3 "$T/records.py" exec "$T" > "$T/exec.json"
python3 "$T/records.py" sms "$T" > "$T/sms.json"
python3 - "$T" <<'PY' || fail "hostile text reached a page unescaped"
import json, sys
t = sys.argv[1]
def clean(s, what):
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in s), (what, s)
for x in json.load(open(t + "/chat.json")):
    if "sdz" not in x["body"] and "sdy" not in x["body"]:
        continue
    raw = x["body"].encode("latin-1")
    assert all(b >= 0x20 for b in raw), ("raw control byte in chat JSON", raw)
    m = json.loads(raw.decode("utf-8"))
    clean(m["text"].replace("\n", ""), "chat text")
    assert "<!channel>" not in m["text"] and "&lt;!channel&gt;" in m["text"] or "sdy" in m["text"]
    assert "\nBcc" not in m["text"]
for x in json.load(open(t + "/exec.json")):
    raw = x["raw"].encode("latin-1")
    assert all(b >= 0x20 for b in raw.rstrip(b"\n")), ("raw control byte in exec input", raw)
    for k in ("summary", "key", "host"):
        clean(x["page"][k], "exec " + k)
for x in json.load(open(t + "/sms.json")):
    clean(x["body"], "SMS body")
    if "sdz" in x["body"]:
        assert "#015#012Bcc: x" in x["body"], x["body"]
PY

# carol's program: 75 (retry), then 3 (dead); then one outliving its timeout, retried, while
# max-running 1 holds gina's program back until it is killed.
printf '75\n3\n' > "$T/exec/exits.carol"
say "fan 1 stopped"
wait_rec exec 'sum(1 for x in r if x["page"]["key"] == "fan/1") == 2' 10
ctl --json queue | json '[d["last_error"] for d in j["deliveries"] if d["key"] == "fan/1" and
	d["state"] == "dead"]' | grep -q "exit 3" || fail "exit 3 is not dead-lettered: $(ctl queue)"
echo 5 > "$T/exec/sleep.carol"
say "fan 2 stopped"
wait_rec exec 'any(x["page"]["key"] == "fan/2" for x in r)'
ctl page gina "the fans" >/dev/null
wait_rec exec 'any(x["page"]["contact"] == "gina" for x in r)' 5
rm "$T/exec/sleep.carol"
# the run killed at its timeout is retried, and delivered once it exits 0.
poll 8 j 'not any(d["key"] == "fan/2" for d in j["deliveries"])' cmd "$TRIAGECTL" -s "$SOCK" \
	--json queue >/dev/null || fail "fan/2's page was not delivered after its timeout: $(ctl queue)"
# gina's program started only once carol's had been killed at its timeout (1 s).
rec exec '[x["at"] for x in j if x["page"]["contact"] == "gina"][0] -
	[x["at"] for x in j if x["page"]["key"] == "fan/2"][0] >= 0.9' | grep -q True ||
	fail "gina's program ran beside carol's: max-running 1"
ctl --json queue | json 'j["stats"]["exec_waits"] >= 1' | grep -q True || fail "no exec wait counted"
ctl --json queue | json '[u["last_error"] for u in j["upstreams"] if u["name"] == "exec/carol"]' |
	grep -q "timed out after 1s, killed" || fail "exec/carol's last error is not the timeout"

# --incident: frank is paged about disk/sda (the shared webhook); no incident is opened.
n=$(ctl --json incidents --state all | json 'len(j["incidents"])')
ctl page frank "please look at sda" --incident disk/sda > "$T/page.out"
grep -q "paging frank about incident disk/sda" "$T/page.out" || fail "page said: $(cat "$T/page.out")"
wait_rec chat 'any(x["path"] == "/hooks/shared" and "Key: disk/sda" in x["body"] and
	"Paged: frank" in x["body"] for x in r)'
[ "$(ctl --json incidents --state all | json 'len(j["incidents"])')" -eq "$n" ] ||
	fail "page --incident opened an incident"
ctl show disk/sda | grep -q "responders added by .* with triagectl page frank: please" ||
	fail "show lacks the responders: $(ctl show disk/sda | grep -i "respond\|frank")"
if ctl page frank "x" --incident disk/none 2>"$T/err"; then fail "paged about no incident"; fi
grep -q "no open incident with key 'disk/none'" "$T/err" || fail "said: $(cat "$T/err")"

# A resolve tells alice (her first channel, chat) and frank.
say "disk sda ok"
wait_rec chat 'any(x["path"] == "/hooks/alice" and "RESOLVED: " in x["body"] and "sda" in x["body"]
	for x in r) and any(x["path"] == "/hooks/shared" and "RESOLVED: " in x["body"] for x in r)'
# acked sdb: no SMS to alice, ever.
rec sms 'any(x["to"] == "+15550101" and "sdb" in x["body"] for x in j)' | grep -q False ||
	fail "alice got an SMS about sdb after acking it"

stop_triaged
if grep -rq "$TOKEN" "$T/triaged.log" "$T/state"; then fail "the token was logged or stored"; fi
pass "SMS, chat and exec pages: escalation by channel, ack link, retries, dead letters falling through, timeouts, max-running, hostile text, page --incident"
