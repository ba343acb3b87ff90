#!/bin/sh
# run-tests.sh - run test binaries, print one line per binary and a summary.
# Usage: run-tests.sh LABEL BINARY...
# Exits non-zero if any binary fails. The last line has the form
# "N passed, N failed" (counted in Criterion test cases).
label=$1; shift
pass=0; fail=0; bad=""
for t in "$@"; do
	out=$("$t" --jobs 1 2>&1); rc=$?
	# Criterion's summary: "[====] Synthesis: Tested: N | Passing: P | Failing: F | Crashing: C"
	line=$(printf '%s\n' "$out" | grep 'Synthesis:' | tail -n 1)
	p=$(printf '%s' "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	c=$(printf '%s' "$line" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
	p=${p:-0}; f=${f:-0}; c=${c:-0}
	if [ $rc -ne 0 ] || [ -z "$line" ]; then
		printf '%s\n' "$out" | grep -v '^\[----\]\s*$' | tail -n 40
		[ "$f" -eq 0 ] && [ "$c" -eq 0 ] && f=1
		bad="$bad $(basename "$t")"
	fi
	pass=$((pass + p)); fail=$((fail + f + c))
	printf '[%s] %-28s %s\n' "$label" "$(basename "$t")" "${line#*Synthesis: }"
done
echo "$label: $pass passed, $fail failed"
[ -n "$bad" ] && { echo "$label: failing:$bad"; exit 1; }
exit 0
