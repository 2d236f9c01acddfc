#!/usr/bin/env python3
"""Runs the systems of scripts/bench side by side and writes docs/PERFORMANCE.md.

Systems, all on 127.0.0.1, started and stopped here:
  origin     nginx serving the corpus (static files) and, under /kinds/, the inputs of
             the kinds the corpus lacks (made by peers.py)
  imgcache   nginx (scripts/nginx/imgcache-site.conf) -> imgcache-fcgi, streamed hits
  imgcache-x the same with sendfile_header = x-accel-redirect (nginx sends hits itself)
  reference  nginx proxy_cache front -> nginx image_filter resizer -> origin (quality 75,
             progressive, buffer 50M: the setup imgcache replaces)
  ipx        ipx (the HTTP image server on sharp, peers.py) fetching from the origin
plus sharp in-process in node (peers.py), vipsthumbnail and `gm convert -size` on the
command line (process time).
Systems are interleaved per measurement so drift hits all alike.
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import formats
import peers
from benchlib import (ANIMATION_FRAMES, free_port, geomean, get, image_size, make_animation,
                      peak_rss_kb, psnr_to_lanczos, wait_port)

SIZES = [(150, 150), (800, 600)]
ANIMATION_BOX = (240, 240)
END_MARKER = "<!-- end of scripts/bench output -->"
REPS = 3


def nginx_conf(prefix, body, modules=""):
    os.makedirs(prefix, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = f"""{modules}{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body; fastcgi_temp_path {prefix}/fcgi;
  proxy_temp_path {prefix}/proxy; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
  include /etc/nginx/mime.types;
{body}
}}
"""
    path = f"{prefix}/nginx.conf"
    with open(path, "w") as f:
        f.write(conf)
    return path


class Systems:
    def __init__(self, args, work, kinds):
        self.procs = []
        self.work = work
        self.ports = {}
        origin = free_port()
        self.ports["origin"] = origin
        self.nginx("origin", f"server {{ listen 127.0.0.1:{origin}; root {args.corpus}; "
                             f"location /kinds/ {{ alias {kinds}/; }} }}")
        site = open(args.site).read()
        self.responders = {}
        micro = open(os.path.join(os.path.dirname(args.site), "imgcache-microcache.conf")).read()
        for name, sendfile in (("imgcache", "none"), ("imgcache-x", "x-accel-redirect"),
                               ("imgcache-m", "none")):
            fport, nport = free_port(), free_port()
            cache = f"{work}/{name}-cache"
            shutil.rmtree(cache, ignore_errors=True)
            conf = f"{work}/{name}.conf"
            with open(conf, "w") as f:
                f.write(f"origin = http://127.0.0.1:{origin}\ncache_dir = {cache}\n"
                        f"listen = 127.0.0.1:{fport}\nsendfile_header = {sendfile}\n"
                        "max_source_size = 50M\nmax_width = 8192\nmax_height = 8192\n"
                        "cache_manager_interval = 0\n")
            log = open(f"{work}/{name}.log", "w")
            proc = subprocess.Popen([args.imgcache_fcgi, "--config", conf], stderr=log)
            self.procs.append(proc)
            self.responders[name] = proc
            wait_port(fport)
            template = micro if name == "imgcache-m" else site
            body = (template.replace("@LISTEN@", f"127.0.0.1:{nport}")
                    .replace("@FCGI@", f"127.0.0.1:{fport}").replace("@CACHE_DIR@", cache)
                    .replace("@MICROCACHE_DIR@", f"{work}/{name}-microcache"))
            self.ports[name] = nport
            self.nginx(name, body)
        resizer, front = free_port(), free_port()
        self.nginx("resizer", f"""server {{
    listen 127.0.0.1:{resizer};
    location ~ ^/image/(\\d+)x(\\d+)/(.+)$ {{
      image_filter resize $1 $2;
      image_filter_jpeg_quality 75;
      image_filter_interlace on;
      image_filter_buffer 50M;
      proxy_pass http://127.0.0.1:{origin}/$3;
    }}
  }}""", modules="load_module /usr/lib/nginx/modules/ngx_http_image_filter_module.so;\n")
        cache = f"{work}/reference-cache"
        shutil.rmtree(cache, ignore_errors=True)
        self.ports["reference"] = front
        self.nginx("reference", f"""proxy_cache_path {cache} levels=1:2 keys_zone=images:10m max_size=1g inactive=40d;
  server {{
    listen 127.0.0.1:{front};
    location /image/ {{
      proxy_pass http://127.0.0.1:{resizer};
      proxy_cache images;
      proxy_cache_valid 200 30d;
      proxy_cache_lock on;
    }}
  }}""")
        self.ports["ipx"] = free_port()
        self.ipx = subprocess.Popen(["node", peers.IPX_SERVER, str(self.ports["ipx"]),
                                     f"http://127.0.0.1:{origin}"])
        self.procs.append(self.ipx)
        wait_port(self.ports["ipx"])
        self.sharp = peers.Sharp()
        self.procs.append(self.sharp.proc)

    def nginx(self, name, body, modules=""):
        prefix = f"{self.work}/{name}-nginx"
        conf = nginx_conf(prefix, body, modules)
        proc = subprocess.Popen(["nginx", "-p", prefix, "-c", conf, "-e", f"{prefix}/error.log"])
        self.procs.append(proc)
        port = int(re.search(r"listen 127\.0\.0\.1:(\d+)", body).group(1))
        wait_port(port)

    def url(self, system, path):
        return f"http://127.0.0.1:{self.ports[system]}{path}"

    def stop(self):
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def wrk(url, seconds=4, connections=16, latency=False):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url]
    if latency:
        command.insert(1, "--latency")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = None
    if p99:
        scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
        p99_ms = float(p99.group(1)) * scale
    return rps, p99_ms


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def animation_bytes(imgcache, photo, scratch):
    """Bytes of the animated GIF and of `imgcache resize` of it into the box, as GIF and
    as animated WebP (default qualities), with the WebP's frame count."""
    gif = make_animation(photo, scratch)
    box = "x".join(map(str, ANIMATION_BOX))
    sizes = {}
    for fmt in ("gif", "webp"):
        out = f"{scratch}/pan-out.{fmt}"
        subprocess.run([imgcache, "resize", "-s", box, "-f", fmt, gif, out], check=True,
                       stderr=subprocess.DEVNULL)
        sizes[fmt] = os.path.getsize(out)
    info = subprocess.run(["webpmux", "-info", f"{scratch}/pan-out.webp"], capture_output=True,
                          text=True, check=True).stdout
    frames = int(re.search(r"Number of frames: (\d+)", info).group(1))
    return os.path.getsize(gif), sizes["gif"], sizes["webp"], frames


def format_photos(corpus, images):
    """The corpus's photographs (its JPEGs) that the format phase writes as AVIF and JPEG
    XL: (name under the origin, file)."""
    return [(image, f"{corpus}/{image}") for image in images if image.endswith(".jpg")]


def main():
    parser = argparse.ArgumentParser()
    for option in ("--work", "--corpus", "--imgcache", "--imgcache-fcgi", "--site", "--out"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()
    work = args.work
    started = time.time()
    images = sorted(f for f in os.listdir(args.corpus) if f.endswith((".jpg", ".png")))
    dims = {image: image_size(f"{args.corpus}/{image}") for image in images}
    kinds = f"{work}/kinds"
    scratch = tempfile.mkdtemp(dir=work)
    peers.make_kinds(args.corpus, kinds, scratch)
    results = {"peer_inputs": peers.cases(args.corpus, images, kinds)}
    systems = Systems(args, work, kinds)
    try:
        # 1. Miss latency: a fresh key every time (the width is nudged down by one pixel).
        miss = {}
        key = 0
        for image in images:
            for w, h in SIZES:
                for rep in range(REPS):
                    key += 1
                    ww = w - key % 7 - rep
                    path = f"/image/{ww}x{h}/{image}"
                    for system in ("imgcache", "reference"):
                        t, body, cache = get(systems.url(system, path))
                        assert system != "imgcache" or cache == "MISS", cache
                        miss.setdefault((system, image, w), []).append(t)
                    source = f"{args.corpus}/{image}"
                    miss.setdefault(("vipsthumbnail", image, w), []).append(timed(
                        ["vipsthumbnail", source, "-s", f"{ww}x{h}", "-o",
                         f"{scratch}/v.jpg[Q=75,interlace,strip]"]))
                    miss.setdefault(("gm", image, w), []).append(timed(
                        ["gm", "convert", "-size", f"{2 * ww}x{2 * h}", source, "-resize",
                         f"{ww}x{h}", "-strip", "-quality", "75", "-interlace", "Line",
                         f"{scratch}/g.jpg"]))
        results["miss"] = miss

        # 1b. The same against sharp and ipx, on inputs of every kind.
        results["peers"] = peers.measure(systems, results["peer_inputs"], SIZES, REPS, scratch)
        results["ipx_peak"] = rss_kb(systems.ipx.pid, "VmHWM")
        results["alpha"] = peers.alpha_targets(args.imgcache, systems.sharp,
                                               f"{kinds}/{peers.ALPHA_SOURCE}", scratch)
        # 1c. AVIF and JPEG XL output against the JPEG and sharp's AVIF.
        results["formats"] = formats.measure(systems, format_photos(args.corpus, images), SIZES,
                                             REPS, scratch)

        # 2. Hit throughput on one 150x150 key.
        hit_path = f"/image/150x150/{images[0]}"
        for system in ("imgcache", "imgcache-x", "imgcache-m", "reference"):
            get(systems.url(system, hit_path))
            get(systems.url(system, hit_path))
        small = f"{args.corpus}/.bench-static.jpg"
        with open(small, "wb") as f:
            f.write(get(systems.url("imgcache", hit_path))[1])
        hits = {}
        for _ in range(2):
            for system, url in (("imgcache", systems.url("imgcache", hit_path)),
                                ("imgcache-x", systems.url("imgcache-x", hit_path)),
                                ("imgcache-m", systems.url("imgcache-m", hit_path)),
                                ("reference", systems.url("reference", hit_path)),
                                ("nginx static", systems.url("origin", "/.bench-static.jpg"))):
                hits.setdefault(system, []).append(wrk(url)[0])
        results["hits"] = hits

        # 3. Miss throughput: distinct keys, 2 x cores concurrent clients.
        clients = 2 * (os.cpu_count() or 1)
        jpegs = [i for i in images if i.endswith(".jpg")]
        throughput = {}
        for system, offset in (("imgcache", 0), ("reference", 0)):
            paths = [f"/image/{300 - i}x300/{jpegs[i % len(jpegs)]}" for i in range(4 * clients)]
            start = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(lambda p: get(systems.url(system, p)), paths))
            throughput[system] = len(paths) / (time.perf_counter() - start)
        results["miss_throughput"] = throughput

        # 4. Hit p99 while 2 x cores misses are in flight.
        p99 = {}
        for system in ("imgcache", "imgcache-x", "imgcache-m", "reference"):
            idle = wrk(systems.url(system, hit_path), seconds=3, latency=True)[1]
            stop = threading.Event()
            counter = [0]

            def load(system=system):
                while not stop.is_set():
                    counter[0] += 1
                    get(systems.url(system, f"/image/{700 - counter[0] % 400}x500/"
                                            f"{jpegs[counter[0] % len(jpegs)]}"))
            threads = [threading.Thread(target=load) for _ in range(clients)]
            for t in threads:
                t.start()
            time.sleep(0.5)
            busy = wrk(systems.url(system, hit_path), seconds=4, latency=True)[1]
            stop.set()
            for t in threads:
                t.join()
            p99[system] = (idle, busy)
        results["p99"] = p99

        # 5. Memory: the largest JPEG alone, then a bounded mixed run.
        largest = max(jpegs, key=lambda i: dims[i][0] * dims[i][1])
        pid = systems.responders["imgcache"].pid
        before = rss_kb(pid)
        get(systems.url("imgcache", f"/image/149x150/{largest}"))
        peak = rss_kb(pid, "VmHWM")
        trend = []
        for i in range(2000):
            if i % 4 == 0:
                get(systems.url("imgcache", f"/image/{120 + i % 300}x100/{jpegs[i % len(jpegs)]}"))
            else:
                get(systems.url("imgcache", hit_path))
            if i % 250 == 0:
                trend.append(rss_kb(pid))
            if time.time() - started > 420:
                break
        trend.append(rss_kb(pid))
        results["memory"] = (before, peak, trend, largest)

        # 5b. Peak RSS of one resize of a 24 MP JPEG, baseline and progressive: the largest
        # photograph enlarged to 6000x4000, resized by `imgcache resize` (the responder's
        # pipeline in a process of its own), less the same process resizing a tiny image;
        # and the same for node resizing with sharp.
        resize_rss, peer_rss = {}, {}
        tiny = f"{scratch}/tiny.jpg"
        subprocess.run(["gm", "convert", "-size", "16x16", "xc:gray", tiny], check=True)
        at_rest = peak_rss_kb([args.imgcache, "resize", "-s", "8x8", tiny, f"{scratch}/r.jpg"])
        sharp_at_rest = peers.sharp_peak_rss_kb(tiny, (8, 8), f"{scratch}/r.jpg")
        for layout in ("baseline", "progressive"):
            big = f"{work}/24mp-{layout}.jpg"
            if not os.path.exists(big):
                interlace = ["-interlace", "Line"] if layout == "progressive" else []
                subprocess.run(["gm", "convert", f"{args.corpus}/{largest}", "-resize",
                                "6000x4000!", "-quality", "90", *interlace, big], check=True)
            for w, h in SIZES:
                resize_rss[(layout, w)] = peak_rss_kb(
                    [args.imgcache, "resize", "-s", f"{w}x{h}", big, f"{scratch}/r.jpg"])
                peer_rss[("imgcache", layout, w)] = resize_rss[(layout, w)] - at_rest
                peer_rss[("sharp", layout, w)] = peers.sharp_peak_rss_kb(
                    big, (w, h), f"{scratch}/r.jpg") - sharp_at_rest
        results["resize_rss"] = (at_rest, resize_rss)
        results["peer_rss"] = peer_rss

        # 6. Output size and quality at 800x600 against a high-quality resize.
        quality = []
        for image in images:
            _, ours, _ = get(systems.url("imgcache", f"/image/800x600/{image}"))
            _, theirs, _ = get(systems.url("reference", f"/image/800x600/{image}"))
            a, b = f"{scratch}/ours", f"{scratch}/theirs"
            open(a, "wb").write(ours)
            open(b, "wb").write(theirs)
            source = f"{args.corpus}/{image}"
            quality.append((image, len(ours), len(theirs), psnr_to_lanczos(source, a, scratch),
                            psnr_to_lanczos(source, b, scratch)))
        results["quality"] = quality
        smallest = min(jpegs, key=lambda i: dims[i][0] * dims[i][1])
        results["animation"] = animation_bytes(args.imgcache, f"{args.corpus}/{smallest}",
                                               scratch) + (smallest,)
        os.remove(small)
    finally:
        systems.stop()
    report(results, images, dims, args, time.time() - started)


def version(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def report(results, images, dims, args, seconds):
    med = statistics.median
    lines = []
    lines.append("| measure | imgcache | reference | ratio |")
    lines.append("| --- | --- | --- | --- |")
    miss = results["miss"]
    targets = {150: 0.4, 800: 0.6}
    for w, h in SIZES:
        for other in ("reference", "vipsthumbnail", "gm"):
            ours = [med(miss[("imgcache", i, w)]) for i in images]
            theirs = [med(miss[(other, i, w)]) for i in images]
            ratio = geomean([a / b for a, b in zip(ours, theirs)])
            name = {"reference": "nginx image_filter", "vipsthumbnail": "vipsthumbnail (CLI)",
                    "gm": "gm convert -size (CLI)"}[other]
            target = f" (target ≤ {targets[w]})" if other == "reference" else (
                " (target ≤ 1.0)" if other == "vipsthumbnail" else "")
            lines.append(f"| miss {w}x{h} vs {name}, geo-mean of medians | "
                         f"{geomean(ours) * 1000:.0f} ms | {geomean(theirs) * 1000:.0f} ms | "
                         f"{ratio:.2f}{target} |")
    for w, h in SIZES:
        for image in images:
            ours, theirs = med(miss[("imgcache", image, w)]), med(miss[("reference", image, w)])
            lines.append(f"| miss {w}x{h} {image} vs nginx image_filter, median | "
                         f"{ours * 1000:.0f} ms | {theirs * 1000:.0f} ms | {ours / theirs:.2f} |")
    hits = {k: med(v) for k, v in results["hits"].items()}
    for system, label in (("imgcache", "streamed"), ("imgcache-x", "X-Accel-Redirect"),
                          ("imgcache-m", "nginx micro-cache")):
        for other in ("reference", "nginx static"):
            lines.append(f"| hit req/s, imgcache {label} vs {other} | {hits[system]:.0f} | "
                         f"{hits[other]:.0f} | {hits[system] / hits[other]:.2f} |")
    mt = results["miss_throughput"]
    lines.append(f"| miss req/s, {2 * (os.cpu_count() or 1)} clients, distinct keys | "
                 f"{mt['imgcache']:.1f} | {mt['reference']:.1f} | "
                 f"{mt['imgcache'] / mt['reference']:.2f} |")
    p99 = results["p99"]
    for system in ("imgcache", "imgcache-x", "imgcache-m"):
        lines.append(f"| hit p99 ms idle → under misses ({system}) | "
                     f"{p99[system][0]:.1f} → {p99[system][1]:.1f} | "
                     f"{p99['reference'][0]:.1f} → {p99['reference'][1]:.1f} | "
                     f"{p99[system][1] / p99['reference'][1]:.2f} (target ≤ 20 ms) |")
    before, peak, trend, largest = results["memory"]
    w, h = dims[largest]
    lines.append(f"| responder RSS high-water mark, whole run (VmHWM) | "
                 f"{peak / 1024:.0f} MB ({before / 1024:.0f} MB before the memory phase)"
                 f" | | |")
    at_rest, resize_rss = results["resize_rss"]
    for (layout, w), kb in resize_rss.items():
        target = " (target ≤ 64 MB)" if w == 150 else ""
        lines.append(f"| peak RSS of one resize, 24 MP {layout} JPEG → {w}x{dict(SIZES)[w]} | "
                     f"{(kb - at_rest) / 1024:.0f} MB{target} (process {kb / 1024:.0f} MB, "
                     f"at rest {at_rest / 1024:.0f} MB) | | |")
    lines.append(f"| responder RSS over the mixed run (MB) | "
                 f"{' → '.join(f'{r / 1024:.0f}' for r in trend)} | | |")
    for image, ours, theirs, p_ours, p_theirs in results["quality"]:
        lines.append(f"| 800x600 {image}: bytes, PSNR dB | {ours}, {p_ours:.2f} | "
                     f"{theirs}, {p_theirs:.2f} | {ours / theirs:.3f} |")
    source, gif, webp, frames, photo = results["animation"]
    lines.append(f"| animated GIF ({ANIMATION_FRAMES} frames 480x300 panning over {photo}, "
                 f"{source} bytes) → {ANIMATION_BOX[0]}x{ANIMATION_BOX[1]}: bytes as "
                 f"animated WebP ({frames} frames) vs as GIF, both imgcache | {webp} | {gif} | "
                 f"{webp / gif:.3f} |")
    table = "\n".join(lines)
    print(table)
    peer_section = peers.section(results["peer_inputs"], SIZES, REPS, results)
    format_section = formats.section(format_photos(args.corpus, images), SIZES, REPS,
                                     results["formats"])

    machine = (f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
               f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    corpus = ", ".join(f"{i} {dims[i][0]}x{dims[i][1]}" for i in images)
    doc = f"""# Performance

Measured by `scripts/bench` on {time.strftime('%Y-%m-%d')} (run took {seconds:.0f} s).
Re-run it to measure your machine; the numbers below are one run, not a promise.

- Machine: {machine}; {cpu}; load average before the run {os.getloadavg()[0]:.2f}.
- Versions: imgcache {rev}; {version(['nginx', '-v'])}; {version(['gm', 'version'])};
  {version(['vips', '--version'])}.
- Corpus: Debian's `mate-backgrounds` wallpapers (real photographs): {corpus}.
- Reference: nginx `proxy_cache` front → nginx `image_filter resize` (quality 75,
  progressive, buffer 50M) → static origin, the setup imgcache replaces. imgcache: nginx
  (`scripts/nginx/imgcache-site.conf`) → `imgcache-fcgi`, same origin, defaults (quality
  75, progressive, metadata stripped). Misses use a fresh key each time, {REPS} per image and
  size; systems are interleaved. Ratios are imgcache ÷ reference (lower is better for
  times and bytes, higher for req/s and PSNR).

{table}

## Reading the numbers

- Miss latency: imgcache decodes JPEGs with libjpeg straight into its own resampler, a
  few rows at a time, at 1/2, 1/4 or 1/8 scale when that keeps at least twice the target
  (shrink-on-load); a thumbnail of 1/16 of a progressive JPEG or less comes from its DC
  scans alone, decoded by imgcache (`core/imaging/jpeg_scaled_picture.h`). Other formats are decoded
  by GraphicsMagick and resized by the same resampler. image_filter decodes every pixel
  with libgd inside nginx's event loop. vipsthumbnail and gm are whole processes
  (start-up included); the responder pays no start-up.
- Hits: streamed hits go nginx → FastCGI over a kept-alive connection → one of the
  responder's front threads (one per core), which serves the entry from memory after two
  `stat` calls and writes the answer back in one writev; a proxy_cache hit never leaves
  nginx, which is what the ratio measures. With `sendfile_header = x-accel-redirect` the
  responder answers headers only, but nginx then makes an internal redirect, opens the
  file itself and does not keep the FastCGI connection, so on this loopback setup it is
  slower than streaming. For the highest hit rate, `scripts/nginx/imgcache-microcache.conf`
  lets nginx keep responses for a minute (`fastcgi_cache`), so repeated hits never reach
  the responder ("imgcache-m" rows).
- Hit p99 under load: imgcache resizes in its worker threads (one thread per image) and
  answers hits on other threads, so nginx keeps serving hits;
  image_filter blocks nginx's worker while it resizes.
- Memory: "peak RSS of one resize" is the peak resident set of `imgcache resize` (the
  responder's pipeline in a process of its own, GNU time's %M) less that of the same
  process resizing a tiny image; the 24 MP files are the largest photograph enlarged to
  6000x4000 at quality 90, saved baseline and progressive. The responder's high-water
  mark includes memory the allocator keeps after the concurrent misses of large images.
- Quality: PSNR of each output against a Lanczos resize of the same source to the same
  size; imgcache strips metadata and resamples with `resize_filter` (default mitchell),
  so sizes are comparable at quality 75.
"""
    # Only the measured part is rewritten: what follows the end marker in an existing file
    # (the analysis written against a run) is kept.
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    kept = ""
    if os.path.exists(args.out):
        text = open(args.out).read()
        if END_MARKER in text:
            kept = text[text.index(END_MARKER) + len(END_MARKER):]
    with open(args.out, "w") as f:
        f.write(doc + "\n" + peer_section + "\n" + format_section + "\n" + END_MARKER + kept)
    print(f"\nwrote {args.out} ({seconds:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
