#!/usr/bin/env python3
"""Writes one run of bench/run.sh into bench/RESULTS.md.

    report.py RUN_DIR RESULTS_MD

RUN_DIR holds what run.sh recorded: info.env, rows.tsv, measurements.tsv,
commands.tsv, pipeline.tsv, notes.txt and summary.txt. The run becomes one
section of RESULTS_MD, between `<!-- bench:begin KEY -->` and
`<!-- bench:end KEY -->` (KEY: size and data kind); a section of the same key
is replaced, the others and all text outside the sections are kept.
"""
import os
import re
import statistics
import sys

BEGIN_BLOCK = "<!-- bench:results -->"
END_BLOCK = "<!-- bench:results-end -->"
SECTION = re.compile(r"<!-- bench:begin (.*?) -->\n.*?<!-- bench:end \1 -->\n", re.S)

HEADER = """# f2b benchmark results

Written by `bench/run.sh` (`make bench`); see [README.md](README.md) for how to
run it and how to read the tables. Each section below is one run of the harness
(one corpus size, one kind of enrichment data); a new run of the same size and
data replaces its section. Keep them current when you change a hot path.

"""

TRAILER = """
## Where the time goes

(Profiles of the stages that miss their target: written by hand from a
`perf record` / `valgrind --tool=callgrind` run.)
"""

UNITS = {"msg": "msg/s", "rec": "rec/s", "digest": "digest/s", "": ""}


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            env[key] = value
    return env


def num(x, digits=0):
    return f"{x:,.{digits}f}"


def human_bytes(n):
    return f"{n / 1e6:,.1f} MB" if n >= 1e5 else f"{n / 1e3:,.1f} kB"


def rate_text(rate, unit):
    return f"{num(rate)} {UNITS[unit]}" if unit else "—"


class Measure:
    """The runs of one command."""

    def __init__(self, rows):
        self.ok = [r for r in rows if r[2] != "FAIL"]
        self.failed = [r for r in rows if r[2] == "FAIL"]
        self.walls = [int(r[2]) / 1000 for r in self.ok]
        self.cpus = [float(r[3]) + float(r[4]) for r in self.ok if r[3] not in ("-", "")]
        self.rss = [int(r[5]) for r in self.ok if r[5] not in ("-", "")]
        self.loads = [float(r[6]) for r in rows if r[6]]

    @property
    def wall(self):
        return statistics.median(self.walls) if self.walls else None

    @property
    def cpu(self):
        return statistics.median(self.cpus) if self.cpus else None

    @property
    def peak_rss_kb(self):
        return max(self.rss) if self.rss else None


def display_command(cmd, env):
    cmd = re.sub(r"/usr/bin/time -f %U\\ %S\\ %M -o \S+ ", "", cmd)
    cmd = re.sub(r"^exec ", "", cmd)
    if env.get("bin") and env.get("src_bin"):
        cmd = cmd.replace(env["bin"], env["src_bin"])
    root = env["root"].rstrip("/") + "/"
    cmd = cmd.replace(root, "")
    if env.get("home"):
        cmd = cmd.replace(env["home"].rstrip("/") + "/", "~/")
    return cmd


def section(run_dir):
    env = read_env(os.path.join(run_dir, "info.env"))
    rows = read_tsv(os.path.join(run_dir, "rows.tsv"))
    meas = {}
    for r in read_tsv(os.path.join(run_dir, "measurements.tsv")):
        r += [""] * (7 - len(r))
        meas.setdefault(r[0], []).append(r)
    meas = {k: Measure(v) for k, v in meas.items()}
    commands = read_tsv(os.path.join(run_dir, "commands.tsv"))
    notes = [line.rstrip("\n") for line in open(os.path.join(run_dir, "notes.txt"), encoding="utf-8")]
    na = {r[0]: r[2] for r in rows if len(r) >= 3 and r[1] == "NA"}
    size = int(env["size"])
    nproc = env["nproc"]

    pipe = {}
    for r in read_tsv(os.path.join(run_dir, "pipeline.tsv")):
        u, s, m = r[2].split()
        pipe.setdefault(r[1], []).append((float(u) + float(s), int(m)))
    pipe_runs = {}
    for r in read_tsv(os.path.join(run_dir, "pipeline.tsv")):
        pipe_runs.setdefault(r[0], 0)
        pipe_runs[r[0]] += int(r[2].split()[2])

    out = []
    key = f"size={size} data={env['data_kind']}"
    out.append(f"<!-- bench:begin {key} -->\n")
    data = "real data (F2B_DATA)" if env["data_kind"] == "real" else "embedded sample data"
    out.append(f"### {num(size)} messages, {data}\n\n")
    loads = [x for m in meas.values() for x in m.loads]
    build = f"f2b {env['f2b_version'].split()[-1] if env.get('f2b_version') else '?'}"
    if env.get("commit"):
        build += f", commit {env['commit']}"
        if env.get("dirty", "0") != "0":
            build += f" with {env['dirty']} changed tracked file(s)"
    if env.get("built"):
        build += f", binaries built {env['built']}"
    profile = "release profile"
    if env.get("build_step") == "0":
        profile += "; BENCH_BUILD=0: target/release used as found"
    out.append(f"- Date: {env['date']}; {build} ({profile}).\n")
    out.append(f"- Machine: {nproc} × {env['cpu'] or 'unknown CPU'} (`nproc` {nproc}), {env['mem']} RAM, "
               f"{env['kernel']}, {env['rustc']}.\n")
    versions = ", ".join(v for v in [f"Python {env['python']}"] + env["peer_versions"].split(", ") if v.strip())
    out.append(f"- Peers: {versions}.\n")
    if loads:
        out.append(f"- Load: 1-minute load average {min(loads):.2f}–{max(loads):.2f} at the start of the runs "
                   f"(the machine is shared: other work competes for the {nproc} cores). "
                   f"At the end: `{env['uptime_end'].strip()}`.\n")
    out.append(f"- Runs: median of {env['runs']} for f2b and `cat`, {env['peer_runs']} for each peer; input in the "
               f"page cache (read just before each run), output to /dev/null.\n")
    for n in notes:
        out.append(f"- {n}\n")
    out.append("\n")

    out.append("| stage | input | size | wall (median) | rate | MB/s | peak RSS | target | met? "
               "| peer rate | f2b ÷ peer | CPU (median) | rate per CPU-second |\n")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|:---:|---:|---:|---:|---:|\n")
    footnotes = []
    for r in rows:
        if r[1] == "NA":
            if not r[0].startswith(("py-", "jq")):
                out.append(f"| {r[0]} | — | — | not available |" + " |" * 9 + "\n")
                footnotes.append(r[2])
            continue
        rid, stage, inp, count, unit, nbytes, target, peer_id, peer_label = r
        count, nbytes = int(count), int(nbytes)
        m = meas.get(rid)
        size_text = f"{num(count)} {unit} · {human_bytes(nbytes)}" if unit else human_bytes(nbytes)
        if m is None or m.wall is None:
            why = f"failed (exit {m.failed[0][3]})" if m and m.failed else "not measured"
            out.append(f"| {stage} | {inp} | {size_text} | {why} |" + " |" * 9 + "\n")
            continue
        wall = m.wall
        rate = count / wall if wall > 0 else float("inf")
        mbs = nbytes / 1e6 / wall if wall > 0 else float("inf")
        rss = m.peak_rss_kb
        if rid == "pipeline" and pipe_runs:
            rss_text = f"{max(pipe_runs.values()) / 1024:,.1f} MB (sum of the stages)"
        else:
            rss_text = f"{rss / 1024:,.1f} MB" if rss is not None else "n/a"
        if target:
            t = int(target)
            target_text = f"≥ {num(t)} {UNITS[unit]}"
            if rid == "pipeline":
                target_text = f"≥ {num(t)} msg/s (2M in 60 s)"
            met = "yes" if rate >= t else "**no**"
            if rid == "extract" and nproc != "2":
                met += f" ({nproc} cores, target is for 2)"
        else:
            target_text, met = "—", ""
        peer_rate = ratio = ""
        if peer_id:
            pm = meas.get(peer_id)
            if pm is not None and pm.wall:
                pr = count / pm.wall
                peer_rate = f"{rate_text(pr, unit)} ({peer_label})"
                ratio = f"{rate / pr:,.1f}×"
            elif pm is not None and pm.failed:
                peer_rate = f"failed ({peer_label})"
            elif peer_id in na:
                peer_rate = f"skipped ({peer_label})"
                footnotes.append(na[peer_id])
        cpu_text = f"{m.cpu:,.2f} s" if m.cpu is not None else "n/a"
        cpu_rate = rate_text(count / m.cpu, unit) if m.cpu and rid != "pipeline" and not rid.startswith("cat") else ""
        cells = [stage, inp, size_text, f"{wall:,.3f} s", rate_text(rate, unit), f"{mbs:,.1f}",
                 rss_text, target_text, met, peer_rate, ratio, cpu_text, cpu_rate]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n")
    out.append("\n")
    for f in footnotes:
        out.append(f"- {f}\n")
    if footnotes:
        out.append("\n")

    if pipe:
        parts = []
        for name, vals in pipe.items():
            cpu = statistics.median(v[0] for v in vals)
            rss = max(v[1] for v in vals)
            parts.append(f"{name} {cpu:.2f} s / {rss / 1024:.1f} MB")
        pm = meas.get("pipeline")
        out.append("Pipeline, CPU time (user + sys, median) and peak RSS of each stage: " + ", ".join(parts))
        if pm and pm.wall:
            total = sum(statistics.median(v[0] for v in vals) for vals in pipe.values())
            out.append(f"; {total:.2f} s of CPU in {pm.wall:.2f} s of wall time on {nproc} cores")
        out.append(".\n\n")

    summary = os.path.join(run_dir, "summary.txt")
    if os.path.exists(summary):
        out.append("What the stages said when the inputs were made:\n\n```\n")
        out.extend(line for line in open(summary, encoding="utf-8"))
        out.append("```\n\n")

    out.append("<details><summary>Every measurement</summary>\n\n")
    out.append("| id | runs | wall per run (s) | wall median | CPU median (user + sys) | peak RSS | load (1 min) |\n")
    out.append("|---|---:|---|---:|---:|---:|---|\n")
    for rid, m in meas.items():
        walls = ", ".join(f"{w:.3f}" for w in m.walls) + (f" ({len(m.failed)} failed)" if m.failed else "")
        cpu = f"{m.cpu:.3f} s" if m.cpu is not None else "n/a"
        rss = f"{m.peak_rss_kb / 1024:,.1f} MB" if m.peak_rss_kb else "n/a"
        wall = f"{m.wall:.3f} s" if m.wall is not None else "—"
        loads = ", ".join(f"{x:.2f}" for x in m.loads)
        out.append(f"| {rid} | {len(m.walls)} | {walls} | {wall} | {cpu} | {rss} | {loads} |\n")
    out.append("\n</details>\n\n")

    out.append("Commands (from the repository root; `BENCH_DIR` is "
               f"`{display_command(env['work'], env)}`):\n\n```\n")
    for rid, cmd in commands:
        out.append(f"# {rid}\n{display_command(cmd, env)}\n")
    out.append("```\n")
    out.append(f"<!-- bench:end {key} -->\n")
    return key, "".join(out)


def sort_key(sec_key):
    m = re.match(r"size=(\d+) data=(\w+)", sec_key)
    return (int(m.group(1)), m.group(2)) if m else (0, sec_key)


def main():
    run_dir, results = sys.argv[1], sys.argv[2]
    key, text = section(run_dir)
    if os.path.exists(results):
        with open(results, encoding="utf-8") as f:
            doc = f.read()
    else:
        doc = HEADER + BEGIN_BLOCK + "\n" + END_BLOCK + "\n" + TRAILER
    if BEGIN_BLOCK not in doc or END_BLOCK not in doc:
        doc = doc.rstrip("\n") + "\n\n" + BEGIN_BLOCK + "\n" + END_BLOCK + "\n"
    head, rest = doc.split(BEGIN_BLOCK, 1)
    block, tail = rest.split(END_BLOCK, 1)
    sections = {m.group(1): m.group(0) for m in SECTION.finditer(block)}
    sections[key] = text
    body = "\n".join(sections[k] for k in sorted(sections, key=sort_key))
    doc = head + BEGIN_BLOCK + "\n\n" + body + "\n" + END_BLOCK + tail
    tmp = results + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(doc)
    os.replace(tmp, results)


if __name__ == "__main__":
    main()
