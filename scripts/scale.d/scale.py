"""The cache at scale: what keeping a cache of 1 M and 10 M entries within its limits costs.

For each size: a file system of its own (a loop-mounted ext4 image with inodes enough for
two files an entry; a plain directory when mounting is not allowed), filled by fill_cache
with synthetic entries (a real meta each, the body a sparse file of the size the meta
says), read into the index by `imgcache prune --reindex`, then measured: a manager round
with nothing to evict, one that evicts about 1,000 entries, `stats`, `purge --source`,
start-up to the first hit of imgcache-fcgi behind nginx, and the responder's resident
memory while its loader walks the tree. With --before, the same commands of an earlier
imgcache binary (the directory-walking one) are timed beside them.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench.d"))
from bench import nginx_conf, rss_kb  # noqa: E402
from benchlib import free_port, get, wait_port  # noqa: E402

VARIANTS = 5  # entries per source
# The part of docs/SCALING.md this script writes.
BEGIN = "<!-- scripts/scale: begin -->"
END = "<!-- scripts/scale: end -->"


class Run:
    """One command's wall time, CPU time and peak memory (GNU time)."""

    def __init__(self, command):
        with tempfile.NamedTemporaryFile("r") as times:
            out = subprocess.run(["/usr/bin/time", "-o", times.name, "-f", "%e %U %S %M",
                                  *command], capture_output=True, text=True)
            if out.returncode not in (0, 1):
                raise RuntimeError(f"{' '.join(command)}: {out.stderr}")
            wall, user, system, rss = times.read().split()[-4:]
        self.seconds = float(wall)
        self.cpu = float(user) + float(system)
        self.rss_mb = int(rss) / 1024
        self.stdout = out.stdout

    def json(self):
        return json.loads(self.stdout)


class FileSystem:
    """A loop-mounted ext4 sized for `entries`, or a directory if mounting fails."""

    def __init__(self, work, entries):
        self.mount = f"{work}/mnt-{entries}"
        self.image = f"{work}/fs-{entries}.img"
        os.makedirs(self.mount, exist_ok=True)
        inodes = 2 * entries + entries // 10 + 100000
        size = entries * 1600 + inodes * 256 + (1 << 30)
        subprocess.run(["truncate", "-s", str(size), self.image], check=True)
        made = subprocess.run(["mkfs.ext4", "-q", "-F", "-b", "1024", "-I", "256", "-N",
                               str(inodes), "-O", "^has_journal", self.image],
                              capture_output=True)
        # Direct I/O on the image, so that its pages are not cached twice (once as the
        # image file, once as the file system's own): 10 M metas fit in memory once.
        self.device = subprocess.run(["losetup", "--find", "--show", "--direct-io=on",
                                      self.image], capture_output=True, text=True).stdout.strip()
        mounted = made.returncode == 0 and self.device != "" and subprocess.run(
            ["mount", self.device, self.mount], capture_output=True).returncode == 0
        self.kind = "loop-mounted ext4 (1 KiB blocks, no journal)" if mounted else "a directory"
        if not mounted:
            os.unlink(self.image)

    def close(self):
        subprocess.run(["umount", self.mount], capture_output=True)
        if self.device:
            subprocess.run(["losetup", "-d", self.device], capture_output=True)
        if os.path.exists(self.image):
            os.unlink(self.image)


def fill(fill_cache, cache, origin, entries, now):
    """Two processes, half the entries each."""
    start = time.perf_counter()
    half = entries // 2
    procs = [subprocess.Popen([fill_cache, cache, origin, str(first), str(count),
                               str(VARIANTS), str(now)])
             for first, count in ((0, half), (half, entries - half))]
    for proc in procs:
        if proc.wait() != 0:
            raise RuntimeError("fill_cache failed")
    return time.perf_counter() - start


def first_hit(args, conf, cache, work, path):
    """Seconds from starting imgcache-fcgi to the first HIT through nginx, the responder's
    memory then and while its loader walks, and the walk's duration."""
    nginx_port = free_port()
    fcgi_port = int(open(conf).read().split("listen = 127.0.0.1:")[1].split()[0])
    body = (open(args.site).read().replace("@LISTEN@", f"127.0.0.1:{nginx_port}")
            .replace("@FCGI@", f"127.0.0.1:{fcgi_port}")
            .replace("@CACHE_DIR@", cache))
    prefix = f"{work}/nginx"
    nginx = subprocess.Popen(["nginx", "-p", prefix, "-c", nginx_conf(prefix, body), "-e",
                              f"{prefix}/error.log"])
    log_path = f"{work}/responder.log"
    try:
        wait_port(nginx_port)
        log = open(log_path, "w")
        start = time.perf_counter()
        responder = subprocess.Popen([args.imgcache_fcgi, "--config", conf], stderr=log)
        try:
            url = f"http://127.0.0.1:{nginx_port}{path}"
            seconds = None
            while time.perf_counter() - start < 60:
                try:
                    _, _, cache = get(url)
                    if cache == "HIT":
                        seconds = time.perf_counter() - start
                        break
                except OSError:
                    pass
                time.sleep(0.005)
            rss_first = rss_kb(responder.pid) / 1024
            walked = None
            peak = rss_first
            deadline = time.perf_counter() + args.walk_wait
            while time.perf_counter() < deadline:
                peak = max(peak, rss_kb(responder.pid) / 1024)
                if "cache loader indexed" in open(log_path).read():
                    walked = time.perf_counter() - start
                    break
                time.sleep(0.5)
            return {"first_hit_s": seconds, "rss_first_hit_mb": rss_first,
                    "rss_walk_peak_mb": max(peak, rss_kb(responder.pid, "VmHWM") / 1024),
                    "walk_s": walked}
        finally:
            responder.terminate()
            responder.wait(30)
    finally:
        nginx.terminate()
        nginx.wait(10)


def manager_round(args, conf, work, max_size):
    """The responder's own cache manager evicting down to max_size: its log line's wall and
    CPU time for the round (the manager thread's, without a process start)."""
    round_conf = f"{work}/manager.conf"
    with open(round_conf, "w") as f:
        f.write(open(conf).read().replace("cache_max_size = 1000G", f"cache_max_size = {max_size}")
                + "cache_manager_interval = 2s\n")
    log_path = f"{work}/manager.log"
    with open(log_path, "w") as log:
        responder = subprocess.Popen([args.imgcache_fcgi, "--config", round_conf], stderr=log)
    try:
        deadline = time.perf_counter() + 300
        while time.perf_counter() < deadline:
            for line in open(log_path):
                match = re.search(r"cache manager removed (\d+) entries .* in (\d+) ms "
                                  r"\((\d+) ms of CPU\)", line)
                if match:
                    return {"removed": int(match[1]), "seconds": int(match[2]) / 1000,
                            "cpu": int(match[3]) / 1000}
            time.sleep(0.2)
        raise RuntimeError(f"no manager round in 300 s: {open(log_path).read()}")
    finally:
        responder.terminate()
        responder.wait(30)


def measure(args, entries, now):
    work = f"{args.work}/{entries}"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    fs = FileSystem(args.work, entries)
    try:
        cache = f"{fs.mount}/cache"
        os.makedirs(cache, exist_ok=True)
        origin_dir = f"{work}/origin"
        os.makedirs(origin_dir)
        shutil.copy(args.photo, f"{origin_dir}/real.jpg")
        origin = f"file://{origin_dir}"
        conf = f"{work}/imgcache.conf"
        with open(conf, "w") as f:
            f.write(f"origin = {origin}\ncache_dir = {cache}\ncache_max_size = 1000G\n"
                    f"cache_inactive = 365d\nlisten = 127.0.0.1:{free_port()}\n")
        cli = [args.imgcache, "--config", conf]
        result = {"entries": entries, "file_system": fs.kind}
        print(f"{entries} entries: filling {fs.kind}", flush=True)
        result["fill_s"] = fill(args.fill_cache, cache, origin, entries, now)
        if args.before and entries <= args.before_max:
            print("  the directory-walking imgcache", flush=True)
            before = [args.before, "--config", conf]
            result["before"] = {
                "prune_nothing": vars_of(Run([*before, "prune", "--json"])),
                "stats": vars_of(Run([*before, "stats", "--json"])),
                "purge_source": vars_of(Run([*before, "purge", "--source", "photo-7.jpg"])),
            }
        print("  reading the tree into the index", flush=True)
        reindex = Run([*cli, "prune", "--reindex", "--json"])
        result["reindex"] = vars_of(reindex)
        index = f"{cache}/.index.sqlite"
        result["index_bytes"] = sum(os.path.getsize(index + s) for s in ("", "-wal")
                                    if os.path.exists(index + s))
        print("  measuring", flush=True)
        result["prune_nothing"] = vars_of(Run([*cli, "prune", "--json"]))
        stats = Run([*cli, "stats", "--json"])
        result["stats"] = vars_of(stats)
        totals = stats.json()
        per_entry = totals["bytes"] // totals["entries"]
        evict = Run([*cli, "prune", "--json", "--max-size",
                     str(totals["bytes"] - 1000 * per_entry)])
        result["evict"] = vars_of(evict)
        result["evicted"] = evict.json()["removed_entries"]
        result["manager_evict"] = manager_round(args, conf, work,
                                                totals["bytes"] - 2000 * per_entry)
        purge = Run([*cli, "purge", "--source", "photo-8.jpg"])
        result["purge_source"] = vars_of(purge)
        result["purged"] = purge.stdout.strip()
        warm = subprocess.run([*cli, "warm", "/image/150x150/real.jpg"], capture_output=True)
        if warm.returncode != 0:
            raise RuntimeError(f"warm failed: {warm.stderr}")
        result.update(first_hit(args, conf, cache, work, "/image/150x150/real.jpg"))
        return result
    finally:
        fs.close()


def vars_of(run):
    return {"seconds": run.seconds, "cpu": run.cpu, "rss_mb": run.rss_mb}


def ms(run):
    return f"{run['seconds'] * 1000:.0f} ms ({run['cpu'] * 1000:.0f} ms CPU)"


def report(results, args, rev):
    lines = [
        BEGIN,
        "## A cache of millions of entries",
        "",
        "Written by `scripts/scale` (this section only; do not edit it by hand); "
        f"imgcache {rev}, {os.cpu_count()} cores, on {time.strftime('%Y-%m-%d')}.",
        "",
        "| | " + " | ".join(f"{r['entries']:,} entries" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]

    def row(name, cell):
        lines.append(f"| {name} | " + " | ".join(cell(r) for r in results) + " |")

    row("`prune` with nothing to evict (a process of its own)", lambda r: ms(r["prune_nothing"]))
    row("`prune --max-size` evicting ~1,000 (a process of its own)",
        lambda r: f"{ms(r['evict'])}, {r['evicted']} removed")
    row("the responder's manager round evicting ~1,000",
        lambda r: f"{ms(r['manager_evict'])}, {r['manager_evict']['removed']} removed"
        if "manager_evict" in r else "not measured")
    row("`stats`", lambda r: ms(r["stats"]))
    row("`purge --source` (5 variants)", lambda r: ms(r["purge_source"]))
    row("start-up to the first hit (imgcache-fcgi behind nginx)",
        lambda r: f"{r['first_hit_s'] * 1000:.0f} ms" if r["first_hit_s"] else "no hit")
    row("responder resident memory at the first hit",
        lambda r: f"{r['rss_first_hit_mb']:.0f} MB")
    row("responder peak memory while its loader walks the tree",
        lambda r: f"{r['rss_walk_peak_mb']:.0f} MB")
    row(f"the loader's walk at start (cache_loader_rate {args.loader_rate})",
        lambda r: f"{r['walk_s']:.0f} s" if r["walk_s"] else f"over {args.walk_wait} s")
    row("`prune --reindex` (a walk of the whole tree, unthrottled)",
        lambda r: f"{r['reindex']['seconds']:.0f} s, {r['reindex']['rss_mb']:.0f} MB")
    row("index on disk", lambda r: f"{r['index_bytes'] / 1e6:.0f} MB "
        f"({r['index_bytes'] / r['entries']:.0f} bytes an entry)")
    row("filling the cache (fill_cache, two processes)", lambda r: f"{r['fill_s']:.0f} s")
    before = [r for r in results if "before" in r]
    if before:
        lines += ["", "The same commands of the imgcache before the index (it walked the tree "
                  "and stat-ed every file each time; `stats` and `purge --source` read every "
                  "meta too):", "",
                  "| | " + " | ".join(f"{r['entries']:,} entries" for r in before) + " |",
                  "|---|" + "---|" * len(before)]
        for name, key in (("`prune` (nothing to evict), before", "prune_nothing"),
                          ("`stats`, before", "stats"),
                          ("`purge --source`, before", "purge_source")):
            lines.append(f"| {name} | " + " | ".join(
                f"{ms(r['before'][key])}, {r['before'][key]['rss_mb']:.0f} MB" for r in before)
                + " |")
    lines += ["", "## How", "",
              "- Entries: made by `scripts/scale.d/fill_cache` in the nginx layout "
              "(`levels=1:2`), entry *i* the variant *i* mod 5 of source `photo-<i/5>.jpg`, "
              "with a real meta naming its key and a sparse body of 4–64 KB (no data "
              "blocks: the meta's 1 KiB block is what the cache counts); last reads spread "
              "over 30 days. The file system is " + results[0]["file_system"] + " with two "
              "inodes an entry: 10 M entries need 20 M files, more than the machine's own "
              "disk has inodes.",
              "- Every figure is one run of the command on a warm page cache: wall time, "
              "CPU time (user + system) and peak resident memory from GNU time.",
              "- The index is built once by `imgcache prune --reindex`; the responder then "
              "starts on it and its loader walks the tree again in the background (to "
              "repair what a crash may have left), serving meanwhile.",
              END]
    section = "\n".join(lines)
    text = open(args.out).read() if os.path.exists(args.out) else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(section)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--imgcache", required=True)
    parser.add_argument("--imgcache-fcgi", required=True)
    parser.add_argument("--fill-cache", required=True)
    parser.add_argument("--site", required=True)
    parser.add_argument("--photo", required=True)
    parser.add_argument("--before", help="an earlier imgcache binary to time beside")
    parser.add_argument("--before-max", type=int, default=1000000,
                        help="time the earlier binary on caches of at most this many entries "
                             "(it reads every meta of the cache for stats and purge)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--walk-wait", type=int, default=600,
                        help="seconds to wait for the responder's loader")
    parser.add_argument("--loader-rate", default="20000 (the default)")
    parser.add_argument("sizes", nargs="*", type=int, default=[1000000, 10000000])
    args = parser.parse_args()
    now = int(time.time())
    # The tree the binaries were built from, before anything changes during the run.
    rev = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                         text=True).stdout.strip()
    results = []
    for entries in args.sizes:
        results.append(measure(args, entries, now))
        # Kept after each size: a long run stopped later still leaves what it measured.
        with open(f"{args.work}/results.json", "w") as f:
            json.dump(results, f, indent=1)
        report(results, args, rev)


if __name__ == "__main__":
    main()
