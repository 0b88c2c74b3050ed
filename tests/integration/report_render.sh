#!/bin/sh
# The HTML report of a month of history, rendered by headless Chromium
# (Debian's chromium) with nothing to fetch: the browser's DOM has the
# heat map's 168 cells and a bar a day, and the screenshot is the size
# asked for and shows them: the darkest heat-map red, the day bars' blue
# and the pages' red, on a page far busier than an empty one.  Skipped
# when chromium is not installed (tools/deps test installs it).
command -v chromium >/dev/null ||
	{ echo "skip: chromium is not installed (Debian package chromium; tools/deps test)"; exit 77; }
. "$(dirname "$0")/lib.sh"

: "${HISTGEN:=$PWD/tests/integration/histgen}"
conf_head
echo 'retention { max-age 60d }' >> "$CONF"
"$HISTGEN" "$T/state" "$(( $(date +%s) - 4 * 3600 ))" 30 11 > "$T/expect.json" || fail "histgen"
start_triaged
ctl --utc report --since 30d --html "$T/report.html" >/dev/null || fail "report --html"
ctl --utc --json report --since 30d > "$T/report.json"
stop_triaged
printf '<!DOCTYPE html>\n<html><body></body></html>\n' > "$T/blank.html"

# chrome FILE ARGS...: headless, its own profile, no network to fall back on.
chrome() {
	f=$1
	shift
	HOME="$T" timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$T/chromium" --no-first-run --disable-extensions \
		--proxy-server=127.0.0.1:9 "$@" "file://$f" 2>>"$T/chromium.log"
}
chrome "$T/report.html" --dump-dom > "$T/dom.html" || fail "chromium --dump-dom: $(tail -5 "$T/chromium.log")"
chrome "$T/report.html" --window-size=1200,2000 --screenshot="$T/report.png" >/dev/null ||
	fail "chromium --screenshot: $(tail -5 "$T/chromium.log")"
chrome "$T/blank.html" --window-size=1200,2000 --screenshot="$T/blank.png" >/dev/null ||
	fail "chromium --screenshot of a blank page"

python3 - "$T/dom.html" "$T/report.json" "$T/report.png" "$T/blank.png" <<'PY' || fail "the rendered report"
import json, os, struct, sys, zlib

dom, report, png, blank = sys.argv[1:5]
days = len(json.load(open(report))["days"])
text = open(dom, encoding="utf-8").read()
for cls, want in (("hour-cell", 168), ("day-bar", days), ("event-bar", days)):
    got = text.count('class="%s"' % cls)
    assert got == want, "%s: %d in the DOM, not %d" % (cls, got, want)
assert "<script" not in text

def pixels(path):
    """Width, height and the RGB rows of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, ihdr
    bpp = 3 if ctype == 2 else 4
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

w, h, bpp, rows = pixels(png)
assert (w, h) == (1200, 2000), (w, h)
colours = {}
for row in rows:
    for x in range(0, len(row), bpp):
        px = row[x:x + 3]
        colours[px] = colours.get(px, 0) + 1
for name, rgb in (("the darkest heat-map cell", (0xb3, 0x1e, 0x1e)),
                  ("the day bars", (0x4a, 0x72, 0xb8)), ("the pages", (0xc8, 0x39, 0x2b))):
    assert colours.get(bytes(rgb), 0) >= 50, "%s (%s): %d pixels" % (name, rgb, colours.get(bytes(rgb), 0))
size, empty = os.path.getsize(png), os.path.getsize(blank)
assert size > 5 * empty, "the screenshot (%d bytes) is not much more than a blank page's (%d)" % (size, empty)
print("screenshot %dx%d, %d bytes (a blank page %d), %d colours" % (w, h, size, empty, len(colours)))
PY
pass "chromium renders the report: 168 cells, $(json "len(j['days'])" < "$T/report.json") day bars"
