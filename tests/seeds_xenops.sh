#!/bin/sh
# Seeds of fuzz_xenops: Xenops records as xenopsd writes them, and variants.
# Usage: tests/seeds_xenops.sh BUILD_DIR OUTDIR
set -eu
out=$2
printf '((time 20240229T12:34:56Z)(word_size 64)(vm_str"{\\"id\\": \\"a b\\"}")(xs_subtree()))' > "$out/xenopsd"
printf '((time 20240229T12:34:56Z)(word_size 64))' > "$out/minimal"
printf '( (word_size 32) ; old dom0\n (time "t\\065\\x42\\n") (xs_subtree ((a b) ("c d" ""))))' > "$out/blanks"
printf '((time t)(word_size 64)(vm_str"\\000\\255\\\\\\"")(xs_subtree((k v))))' > "$out/escapes"
