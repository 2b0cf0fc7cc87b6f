#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/TARGET, not committed) from the
# project's own fixtures and embedded sample. Idempotent: seeds are named by
# content hash, so re-running adds nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

seed() { # seed TARGET FILE...
    local dir="fuzz/corpus/$1"; shift
    mkdir -p "$dir"
    local f
    for f in "$@"; do
        [ -s "$f" ] || continue
        cp "$f" "$dir/seed-$(sha1sum < "$f" | cut -c1-16)"
    done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Single messages: the hand-written fixtures and some of the sample's Maildir.
seed extract_message crates/f2b-extract/tests/fixtures/*.eml \
    $(find data/sample/mail/Maildir -type f | sort | head -n 60)
# The mbox fixture, split into its messages, is more of them.
awk -v out="$tmp/msg" '/^From /{n++} {print > (out n)}' crates/f2b-extract/tests/fixtures/*.mbox
seed extract_message "$tmp"/msg*
# The fast path is compared with mail-parser on the same messages.
seed fast_path fuzz/corpus/extract_message/seed-*

# Whole mboxes: the fixture and the first 40 kB of a few sample months.
for m in data/sample/mail/2010-03.mbox data/sample/mail/2012-06.mbox; do
    head -c 40000 "$m" > "$tmp/$(basename "$m")"
done
seed mbox_split crates/f2b-extract/tests/fixtures/*.mbox "$tmp"/*.mbox

# NDJSON records: every stage's fixture records, a few lines each.
for f in crates/*/tests/fixtures/*.ndjson; do
    head -n 5 "$f" > "$tmp/$(echo "$f" | tr / _)"
done
seed ndjson_record "$tmp"/crates_*.ndjson

seed routes crates/f2b-asn/tests/fixtures/routes-*.tsv
seed as_names crates/f2b-asn/tests/fixtures/as-names.html
seed ranges crates/f2b-asn/tests/fixtures/ranges.csv crates/f2b-asn/tests/fixtures/ranges.tsv

for t in fuzz/corpus/*; do echo "$t: $(ls "$t" | wc -l) inputs"; done
