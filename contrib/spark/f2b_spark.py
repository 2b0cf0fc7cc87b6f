#!/usr/bin/env python3
"""f2b on Spark: the f2b pipeline as the map step, one `f2b-agg --merge` at the end.

The mailboxes (mbox files, .gz files, Maildir/MH folders; a folder is one unit)
are taken in the order given, which must be time order (directories are walked
in name order; --sort sorts the whole list by path), and cut into N contiguous
runs, the shards: one RDD element, and one partition, per shard. Each partition
pipes its paths, through RDD.pipe, into

    f2b-extract --context-before PREV --context-after NEXT --files-from - \
        | f2b-geo | f2b-asn | f2b-anon | f2b-agg --partial

(PREV: the previous shard's last unit, NEXT: the next shard's first unit, read
only to recognise duplicate reports across the boundary) and writes one line:
the partial digest of its shard. The driver collects the partials and runs
`f2b-agg --merge` on them, which writes exactly the digest of one run.

    # a laptop
    python3 f2b_spark.py --db city.mmdb --pfx2as-dir routeviews/ --names autnums.html \\
        --bin-dir target/release --shards 8 -o digest.json archive/

    # a cluster (mailboxes on storage every node mounts at the same path)
    spark-submit --master spark://HOST:7077 f2b_spark.py --db /data/city.mmdb \\
        --pfx2as-dir /data/routeviews --names /data/autnums.html --ship-binaries \\
        --bin-dir target/release --shards 200 -o digest.json /mnt/archive/

See contrib/spark/README.md.
"""

import argparse
import gzip
import os
import re
import shlex
import sys
import subprocess
import tempfile
import time

STAGES = ("f2b-extract", "f2b-geo", "f2b-asn", "f2b-anon", "f2b-agg")
PFX2AS_NAME = re.compile(r"^routeviews-rv[26]-\d{8}-\d{4}\.pfx2as(\.gz)?$")


def log(msg):
    print("f2b_spark: " + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the inputs


def is_maildir(path):
    return os.path.isdir(os.path.join(path, "cur")) or os.path.isdir(os.path.join(path, "new"))


def is_mh(path):
    if os.path.exists(os.path.join(path, ".mh_sequences")):
        return True
    try:
        names = os.listdir(path)
    except OSError:
        return False
    files = [n for n in names if os.path.isfile(os.path.join(path, n))]
    return bool(files) and all(n.isdigit() for n in files)


def looks_like_mailbox(path):
    """An mbox (first line `From `), a gzip file (f2b-extract reads it by
    content), or a single message (.eml, or a header line first)."""
    if path.endswith(".eml"):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(2)
            if head == b"\x1f\x8b":
                with gzip.open(path, "rb") as g:
                    head = g.read(5)
            else:
                head += f.read(3)
    except OSError:
        return False
    except (EOFError, gzip.BadGzipFile):
        return False
    return head.startswith(b"From ") or re.match(rb"^[A-Za-z-]+:", head) is not None


def mailbox_units(paths, sort=False):
    """Expand the paths into units of work for f2b-extract, in time order as far
    as the recipe can tell: the paths in the order given (the caller lists them
    in time order); a file as given; a Maildir or MH folder as one unit; any other
    directory walked for mailbox files and folders, which are taken in path order
    (monthly names such as 2011-07.mbox.gz sort by time). With sort=True the whole
    list is sorted by path. A unit given twice is kept at its first place."""
    units = []
    for p in paths:
        p = os.path.abspath(p)
        if os.path.isfile(p):
            units.append(p)
        elif os.path.isdir(p):
            if is_maildir(p) or is_mh(p):
                units.append(p)
                continue
            found = []
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames.sort()
                keep = []
                for d in dirnames:
                    full = os.path.join(dirpath, d)
                    if is_maildir(full) or is_mh(full):
                        found.append(full)
                    else:
                        keep.append(d)
                dirnames[:] = keep
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    if looks_like_mailbox(full):
                        found.append(full)
            # the walk meets Maildirs before the files of the same folder: put
            # the directory's units in path order
            units.extend(sorted(found))
        else:
            raise SystemExit("f2b_spark: no such file or directory: " + p)
    for u in units:
        if "\n" in u or "\r" in u:
            raise SystemExit("f2b_spark: a path with a line break cannot be piped: %r" % u)
    units = list(dict.fromkeys(units))
    return sorted(units) if sort else units


def shards_of(units, n, context=True):
    """Cut the units into n contiguous runs of (nearly) equal length, each with
    its context: the unit just before the run and the unit just after it (None
    at the ends, and with context=False)."""
    shards = []
    for i in range(n):
        start, end = i * len(units) // n, (i + 1) * len(units) // n
        before = units[start - 1] if context and start > 0 else None
        after = units[end] if context and end < len(units) else None
        shards.append((before, units[start:end], after))
    return shards


# ------------------------------------------------------------- the pipeline


def stage_command(args, data_files):
    """The shell command each partition runs. Its input (written by shard_input):
    the executor's SparkFiles directory (it differs between the driver and the
    executors), the context before and the context after (one line each, empty
    for none), then the shard's mailbox paths, handed to f2b-extract on stdin."""
    q = shlex.quote
    geo = " ".join("--db \"$root\"/" + q(os.path.basename(d)) for d in args.db)
    if args.names:
        names = "--names \"$root\"/" + q(os.path.basename(args.names))
    else:
        names = "--no-names"
    stages = [
        'f2b-extract -q -j %d ${ctx[@]+"${ctx[@]}"} --files-from -' % args.extract_jobs,
        "f2b-geo -q " + geo,
        # the prefix2as snapshots are linked into a directory of their own
        "f2b-asn -q --pfx2as-dir \"$pfx\" " + names,
    ]
    if args.anon:
        stages.append("f2b-anon -q" + (" --with " + q(args.anon_with) if args.anon_with else ""))
    stages.append("f2b-agg -q --partial")
    pfx = " ".join(q(os.path.basename(f)) for f in data_files["pfx2as"])
    script = (
        "set -euo pipefail; IFS= read -r root; IFS= read -r before; IFS= read -r after; "
        + 'ctx=(); [ -z "$before" ] || ctx+=(--context-before "$before"); '
        + '[ -z "$after" ] || ctx+=(--context-after "$after"); '
        + path_setup(args)
        + 'pfx=$(mktemp -d); trap \'rm -rf "$pfx"\' EXIT; '
        + 'for f in %s; do ln -s "$root/$f" "$pfx/$f"; done; ' % pfx
        + " | ".join(stages)
    )
    return "bash -c " + q(script)


def merge_command(args):
    return "bash -c " + shlex.quote(
        "set -euo pipefail; IFS= read -r root; " + path_setup(args) + "f2b-agg -q --merge --partial -"
    )


def path_setup(args):
    # RDD.pipe starts its command with only the environment it is given (see
    # pipe_env), so PATH is set here: the shipped binaries, then --bin-dir.
    parts = []
    if args.ship_binaries:
        parts.append("$root")
    elif args.executor_bin_dir:
        parts.append(shlex.quote(args.executor_bin_dir))
    elif args.bin_dir:
        parts.append(shlex.quote(os.path.abspath(args.bin_dir)))
    return 'export PATH=%s"$PATH"; ' % "".join(p + ":" for p in parts)


def pipe_env():
    return {
        "PATH": os.environ.get("PATH", "") + ":/usr/local/bin:/usr/bin:/bin",
        "LC_ALL": "C",
        "TMPDIR": os.environ.get("F2B_SPARK_TMPDIR", "/tmp"),
    }


def shard_input(rows):
    """A partition's lines for stage_command: the executor's SparkFiles
    directory, the context before, the context after ('' for none), the paths.
    A partition holds exactly one shard (one element)."""
    from pyspark import SparkFiles

    rows = list(rows)
    if len(rows) != 1:
        raise RuntimeError("f2b_spark: a partition holds %d shards, not 1" % len(rows))
    before, units, after = rows[0]
    yield SparkFiles.getRootDirectory()
    yield before or ""
    yield after or ""
    for u in units:
        yield u


def with_root(rows):
    """Prepend the executor's SparkFiles directory to a partition's rows."""
    from pyspark import SparkFiles

    yield SparkFiles.getRootDirectory()
    for r in rows:
        yield r


def find_binary(name, args):
    if args.bin_dir:
        p = os.path.join(args.bin_dir, name)
        if os.access(p, os.X_OK):
            return os.path.abspath(p)
        raise SystemExit("f2b_spark: %s not found in --bin-dir %s" % (name, args.bin_dir))
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    raise SystemExit("f2b_spark: %s not found on PATH (use --bin-dir)" % name)


def data_files_of(args):
    for f in args.db + ([args.names] if args.names else []):
        if not os.path.isfile(f):
            raise SystemExit("f2b_spark: no such data file: " + f)
    if not os.path.isdir(args.pfx2as_dir):
        raise SystemExit("f2b_spark: no such directory: " + args.pfx2as_dir)
    pfx = sorted(
        os.path.join(args.pfx2as_dir, n)
        for n in os.listdir(args.pfx2as_dir)
        if PFX2AS_NAME.match(n)
    )
    if not pfx:
        raise SystemExit("f2b_spark: no routeviews-rv[26]-YYYYMMDD-HHMM.pfx2as[.gz] in " + args.pfx2as_dir)
    names = [os.path.basename(f) for f in args.db + pfx + ([args.names] if args.names else [])]
    if len(set(names)) != len(names):
        raise SystemExit("f2b_spark: data files must have distinct base names: " + " ".join(names))
    return {"geo": args.db, "pfx2as": pfx}


# ------------------------------------------------------------------ the run


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="The f2b pipeline on Spark: shards of mailboxes through "
        "f2b-extract | f2b-geo | f2b-asn | f2b-anon | f2b-agg --partial on the "
        "executors, f2b-agg --merge on the driver.",
        epilog="Example: spark-submit --master spark://HOST:7077 f2b_spark.py "
        "--db city.mmdb --pfx2as-dir rv/ --names autnums.html --ship-binaries "
        "--bin-dir target/release --shards 64 -o digest.json /mnt/archive",
    )
    p.add_argument("inputs", nargs="*", metavar="MAILBOX",
                   help="mbox files, .gz files, Maildir/MH folders, or directories to walk "
                   "for them (paths every executor can read), IN TIME ORDER: the order "
                   "given is taken as time order (a directory's units in path order)")
    p.add_argument("--files-from", metavar="FILE",
                   help="read more mailbox paths from FILE, one per line (`-` = stdin), "
                   "after the MAILBOX arguments, in the same time order")
    p.add_argument("--sort", action="store_true",
                   help="sort the whole list of units by path (right when the names sort "
                   "by time, e.g. YYYY-MM.mbox.gz)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the digest (on the driver)")
    p.add_argument("--master", help="Spark master (default: spark-submit's, else local[*])")
    p.add_argument("--shards", type=int, default=0, metavar="N",
                   help="shards (= partitions) of the list of mailboxes (default: Spark's "
                   "default parallelism); each is a contiguous run of the list")
    p.add_argument("--no-context", dest="context", action="store_false",
                   help="do not give f2b-extract the neighbouring units as --context-before/"
                   "--context-after: duplicate reports across shard boundaries are then "
                   "counted twice (for comparison only)")
    p.add_argument("--db", action="append", default=[], metavar="MMDB",
                   help="GeoIP database for f2b-geo (repeatable)")
    p.add_argument("--pfx2as-dir", metavar="DIR",
                   help="directory of routeviews-rv[26]-YYYYMMDD-HHMM.pfx2as[.gz] snapshots")
    p.add_argument("--names", metavar="FILE", help="CIDR Report autnums.html (else no AS names)")
    p.add_argument("--anon", action=argparse.BooleanOptionalAction, default=True,
                   help="run f2b-anon before f2b-agg: the digest of the anonymized dataset "
                   "(default: on)")
    p.add_argument("--anon-with", metavar="FIELDS",
                   help="f2b-anon --with FIELDS (no --k: k-anonymity needs the whole input)")
    p.add_argument("--bin-dir", metavar="DIR",
                   help="directory of the f2b binaries (default: PATH); on a cluster the "
                   "same path on every node, unless --ship-binaries")
    p.add_argument("--executor-bin-dir", metavar="DIR",
                   help="where the executors find the binaries, if not where --bin-dir says "
                   "(e.g. ./f2b for spark-submit --archives f2b-bin.tar.gz#f2b; relative to "
                   "the executor's working directory)")
    p.add_argument("--ship-binaries", action="store_true",
                   help="send the driver's binaries (--bin-dir or PATH) to the executors "
                   "with SparkContext.addFile")
    p.add_argument("--extract-jobs", type=int, default=1, metavar="N",
                   help="f2b-extract -j N in each task (default 1: Spark runs a task per core)")
    p.add_argument("--combine", type=int, default=0, metavar="K",
                   help="merge the partials into K partials on the executors before "
                   "collecting them (default 0: collect every partial)")
    p.add_argument("--partials", metavar="FILE", help="also keep the collected partials in FILE")
    p.add_argument("--pretty", action="store_true", help="indent the digest")
    p.add_argument("--list", action="store_true",
                   help="print the units of work (one path a line) and exit, without Spark")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    paths = list(args.inputs)
    if args.files_from:
        f = sys.stdin if args.files_from == "-" else open(args.files_from, encoding="utf-8")
        paths += [line.rstrip("\r\n") for line in f if line.strip()]
    if not paths:
        raise SystemExit("f2b_spark: no mailboxes given (MAILBOX... or --files-from)")
    units = mailbox_units(paths, sort=args.sort)
    if args.list:
        for u in units:
            print(u)
        return 0
    if not units:
        raise SystemExit("f2b_spark: no mailbox found in " + " ".join(paths))
    if not args.db or not args.pfx2as_dir:
        raise SystemExit("f2b_spark: --db and --pfx2as-dir are needed")
    data = data_files_of(args)
    binaries = {name: find_binary(name, args) for name in STAGES}

    from pyspark import SparkConf, SparkContext

    t0 = time.time()
    conf = SparkConf().setAppName("f2b").setIfMissing("spark.ui.showConsoleProgress", "false")
    if args.master:
        conf.setMaster(args.master)
    elif not conf.contains("spark.master"):
        conf.setMaster("local[*]")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("WARN")
    try:
        for f in data["geo"] + data["pfx2as"] + ([args.names] if args.names else []):
            sc.addFile(os.path.abspath(f))
        if args.ship_binaries:
            for name in STAGES:
                sc.addFile(binaries[name])
        shards = args.shards or sc.defaultParallelism
        shards = max(1, min(shards, len(units)))
        # one element per partition: (context before, the shard's units, context after)
        rdd = sc.parallelize(shards_of(units, shards, args.context), shards)
        partials = rdd.mapPartitions(shard_input).pipe(stage_command(args, data), env=pipe_env(), checkCode=True)
        if args.combine and args.combine < shards:
            partials = partials.coalesce(args.combine).mapPartitions(with_root).pipe(
                merge_command(args), env=pipe_env(), checkCode=True)
            expected = args.combine
        else:
            expected = shards
        lines = partials.collect()
    finally:
        sc.stop()
    t1 = time.time()
    if len(lines) != expected:
        raise SystemExit("f2b_spark: expected %d partials, got %d lines" % (expected, len(lines)))

    # the merge, on the driver
    keep = args.partials
    tmp = None
    if not keep:
        tmp = tempfile.NamedTemporaryFile("w", suffix=".partials", delete=False, encoding="utf-8")
        keep = tmp.name
        tmp.close()
    try:
        with open(keep, "w", encoding="utf-8") as f:
            for line in lines:
                f.write(line + "\n")
        cmd = [binaries["f2b-agg"], "--merge", keep, "-o", args.output]
        if args.pretty:
            cmd.insert(2, "--pretty")
        subprocess.run(cmd, check=True)
    finally:
        if tmp is not None:
            os.unlink(keep)
    log("%d mailbox units in %d shards%s -> %d partials -> %s (spark %.1f s, merge %.1f s)"
        % (len(units), shards, "" if args.context else " (no context)", len(lines), args.output,
           t1 - t0, time.time() - t1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
