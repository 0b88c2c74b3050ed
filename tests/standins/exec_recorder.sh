#!/bin/sh
# exec_recorder.sh DIR - a program for `notifier exec` in tests: records
# its standard input as DIR/run.*.json, then, for the page's contact C,
# sleeps for the seconds in DIR/sleep.C when that file exists (to meet the
# timeout), and exits with the first line of DIR/exits.C (which it
# removes), 0 when there is none.
set -eu
dir=$1
f=$(mktemp "$dir/run.XXXXXX")
cat > "$f"
mv "$f" "$f.json"
c=$(sed -n 's/.*"contact":"\([a-z]*\)".*/\1/p' "$f.json")
[ ! -f "$dir/sleep.$c" ] || sleep "$(cat "$dir/sleep.$c")"
code=0
if [ -s "$dir/exits.$c" ]; then
	code=$(head -n 1 "$dir/exits.$c")
	sed -i 1d "$dir/exits.$c"
fi
exit "$code"
