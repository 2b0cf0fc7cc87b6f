#!/usr/bin/env python3
"""Peer of f2b-extract: what a user would write with the standard library.

    py_extract.py MBOX... > records.ndjson

Iterates every message with `mailbox.mbox` (the `email` package parses it),
looks for the returned copy of the Fail2Ban report (a `message/rfc822` part,
else a `text/rfc822-headers` part or the copy quoted inline in a text part),
and takes the banned address, the jail and the failure count from the copy's
Subject and body with regular expressions. One NDJSON line per report found.

It is the baseline of `bench/run.sh`, not a reference: it does not decode
every bounce shape f2b-extract knows (summaries, bounces of bounces, CRLF
oddities, duplicates...), so it finds somewhat fewer reports.
"""
import email.utils
import json
import mailbox
import re
import sys

SUBJECT = re.compile(r"\[Fail2Ban\]\s*(.+?):\s*banned\s+([0-9A-Fa-f:.]+)")
BODY = re.compile(
    r"The IP ([0-9A-Fa-f:.]+) has just been banned by Fail2Ban after\s+(\d+)\s+attempts against\s+(.+?)\.",
    re.S,
)
INLINE_SUBJECT = re.compile(r"^Subject:\s*(\[Fail2Ban\].*)$", re.M)
INLINE_DATE = re.compile(r"^Date:\s*(.+)$", re.M)


def iso(date):
    try:
        return email.utils.parsedate_to_datetime(date).strftime("%Y-%m-%dT%H:%M:%SZ") if date else None
    except (TypeError, ValueError):
        return None


def text_of(part):
    payload = part.get_payload(decode=True)
    if payload is None:
        return ""
    return payload.decode(part.get_content_charset() or "utf-8", "replace")


def report(msg):
    """(subject, date, msgid, body) of the returned Fail2Ban report, or None."""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload(0)
            subject = str(inner.get("Subject", ""))
            if "[Fail2Ban]" in subject:
                body = "".join(text_of(p) for p in inner.walk() if p.get_content_maintype() == "text")
                return subject, inner.get("Date"), inner.get("Message-Id"), body
        elif part.get_content_maintype() == "text":
            text = text_of(part)
            m = INLINE_SUBJECT.search(text)
            if m:
                d = INLINE_DATE.search(text)
                return m.group(1), d.group(1) if d else None, None, text
    subject = str(msg.get("Subject", ""))
    if "[Fail2Ban]" in subject:
        return subject, msg.get("Date"), msg.get("Message-Id"), text_of(msg) if not msg.is_multipart() else ""
    return None


def main():
    out = sys.stdout
    for path in sys.argv[1:]:
        for key, msg in mailbox.mbox(path, create=False).iteritems():
            found = report(msg)
            if found is None:
                continue
            subject, date, msgid, body = found
            s = SUBJECT.search(subject)
            b = BODY.search(body)
            if not s and not b:
                continue
            ip = b.group(1) if b else s.group(2)
            jail = s.group(1) if s else b.group(3)
            rec = {
                "ts": iso(date),
                "ip": ip,
                "jail": jail.strip(),
                "failures": int(b.group(2)) if b else None,
                "msgid": str(msgid).strip() if msgid else None,
                "src": "%s:%s" % (path, key),
            }
            out.write(json.dumps(rec, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
