# Shared by bench/bench_*.sh: machine facts, timing, peak RSS, and writing
# one "## <topic>" section of bench/RESULTS.md (other sections untouched).
# Source it: . "$(dirname "$0")/lib.sh"

bench_top=${bench_top:-$(cd "$(dirname "$0")/.." && pwd)}
RESULTS="$bench_top/bench/RESULTS.md"
OUT="$bench_top/bench/out"
mkdir -p "$OUT"

machine() {
	printf '%s, %s cores, %s RAM, %s' "$(. /etc/os-release && echo "$PRETTY_NAME")" \
		"$(nproc)" "$(free -h | awk '/Mem:/ {print $2}')" "$(uname -r)"
}

# peak_rss_kib CMD...: run once, print the peak resident set in KiB
peak_rss_kib() {
	/usr/bin/time -v "$@" 2>"$OUT/.time" >/dev/null || true
	awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/.time"
}

# median_of FILE.json: hyperfine's median (s) for each command, one per line
hf_medians() {
	python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%.6f" % r["median"])' "$1"
}

# hf_cpu FILE.json: hyperfine's mean CPU time (user + system, s) per command
hf_cpu() {
	python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%.6f" % (r["user"] + r["system"]))' "$1"
}

# ratio A B: A/B with 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# write_section TOPIC FILE: replace "## TOPIC" in RESULTS.md with FILE's text
write_section() {
	topic=$1 body=$2
	[ -f "$RESULTS" ] || printf '# Benchmark results\n\nMade by `make bench` (bench/run.sh). Medians and ratios against the peer measured in the same run.\n' > "$RESULTS"
	python3 - "$RESULTS" "$topic" "$body" <<'PY'
import sys, re
path, topic, body = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().rstrip("\n") + "\n"
text = open(path).read()
head = "## " + topic + "\n"
parts = re.split(r"(?m)^(?=## )", text)
out, done = [], False
for p in parts:
    if p.startswith(head):
        out.append(head + "\n" + body + "\n"); done = True
    else:
        out.append(p if p.endswith("\n\n") or not p.startswith("## ") else p + "\n")
if not done:
    if not out[-1].endswith("\n\n"): out[-1] += "\n"
    out.append(head + "\n" + body + "\n")
open(path, "w").write("".join(out).rstrip("\n") + "\n")
PY
}
