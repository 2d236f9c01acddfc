"""sharp and ipx, the libvips peers of imgcache, in scripts/bench: inputs of every kind,
miss times, output bytes and PSNR, peak memory, and the alpha-PNG targets.

sharp runs in-process in node (sharp-jobs.cjs, one image at a time), ipx as an HTTP
server on sharp (ipx-server.cjs) fetching from the bench's origin; scripts/bench installs
both from npm under build/bench/peers and points NODE_PATH there.
"""
import json
import os
import shutil
import statistics
import subprocess

from benchlib import geomean, get, make_animation, peak_rss_kb, psnr_to_lanczos

HERE = os.path.dirname(os.path.abspath(__file__))
SHARP_JOBS = f"{HERE}/sharp-jobs.cjs"
IPX_SERVER = f"{HERE}/ipx-server.cjs"
SYSTEMS = ("imgcache", "sharp", "ipx")

FORMATS = {".jpg": "jpeg", ".png": "png", ".webp": "webp", ".gif": "gif"}
# imgcache's defaults (man/imgcache.conf.5): jpeg_quality 75, interlace on, webp_quality 80.
# PNG and GIF keep sharp's own defaults (PNG: zlib level 6, no palette).
SHARP_OPTIONS = {"jpeg": {"quality": 75, "progressive": True}, "webp": {"quality": 80},
                 "png": {}, "gif": {}}
# ipx writes progressive JPEGs by default and takes the quality as a modifier.
IPX_QUALITY = {"jpeg": ",q_75", "webp": ",q_80"}

# Widths below those of the bench's own miss phase (w - 8 to w), so every key is new.
WIDTH_NUDGE = 10
# Few frames: sharp's GIF encoder takes seconds a frame at 800x500.
GIF_FRAMES = 6
# PSNR of what is seen over black (images with alpha: see benchlib.psnr_to_lanczos).
OVER = "black"
ALPHA_BOX = (800, 500)
ALPHA_SOURCE = "alpha.png"
CASE_TARGET = 1.0
GEOMEAN_TARGETS = {150: 0.7, 800: 0.85}
PEAK_TARGET_MB = 64
QUANTIZE_SLACK = 1.10


def gm(*args):
    subprocess.run(["gm", *args], check=True)


def make_alpha(corpus, out, scratch):
    """A 1920x1200 RGBA PNG whose pixels are nearly all of alpha 1 to 3 (a vertical
    gradient), with an opaque ellipse in the middle; the colours are a photograph's
    reduced to 4 bits a channel."""
    colours, mask = f"{scratch}/alpha-colours.png", f"{scratch}/alpha-mask.png"
    gm("convert", f"{corpus}/photo3.jpg", "-resize", "1920x1200!", "-depth", "4", colours)
    gm("convert", "-size", "1920x1200", "gradient:#030303-#010101", "-fill", "white",
       "-draw", "ellipse 960,600 480,300 0,360", mask)
    gm("composite", "-compose", "CopyOpacity", mask, colours, out)


def make_animated(corpus, out, scratch):
    shutil.copy(make_animation(f"{corpus}/photo6.jpg", scratch, (960, 600), GIF_FRAMES), out)


# The inputs the corpus lacks, made once from its photographs: (file, kind, maker).
KINDS = [
    ("exif-rotated.jpg", "EXIF-rotated JPEG (orientation 6)",
     lambda corpus, out, _: gm("convert", f"{corpus}/photo4.jpg", "-rotate", "270",
                               "-orient", "RightTop", out)),
    ("cmyk.jpg", "CMYK JPEG",
     lambda corpus, out, _: gm("convert", f"{corpus}/photo6.jpg", "-colorspace", "CMYK",
                               "-quality", "90", out)),
    ("palette.png", "palette PNG",
     lambda corpus, out, _: gm("convert", f"{corpus}/photo5.jpg", "-colors", "256",
                               f"PNG8:{out}")),
    ("lossy.webp", "lossy WebP",
     lambda corpus, out, _: subprocess.run(["cwebp", "-quiet", "-q", "80",
                                            f"{corpus}/photo3.jpg", "-o", out], check=True)),
    ("animated.gif", f"animated GIF ({GIF_FRAMES} frames)", make_animated),
    (ALPHA_SOURCE, "RGBA PNG, alpha 1-3 but an opaque ellipse", make_alpha),
]


def make_kinds(corpus, kinds, scratch):
    os.makedirs(kinds, exist_ok=True)
    for name, _, maker in KINDS:
        out = f"{kinds}/{name}"
        if not os.path.exists(out):
            maker(corpus, out, scratch)


def corpus_kind(path):
    if path.endswith(".png"):
        return "RGBA PNG"
    with open(path, "rb") as f:
        return "progressive JPEG" if b"\xff\xc2" in f.read() else "baseline JPEG"


def cases(corpus, images, kinds):
    """(label, path under the origin, file) of every input: the corpus's, then the made
    kinds (the alpha PNG has target rows of its own)."""
    found = [(f"{corpus_kind(f'{corpus}/{i}')} {i}", i, f"{corpus}/{i}") for i in images]
    made = [(f"{kind} {name}", f"kinds/{name}", f"{kinds}/{name}")
            for name, kind, _ in KINDS if name != ALPHA_SOURCE]
    return found + made


class Sharp:
    """sharp-jobs.cjs in a node process of its own, given one job at a time."""

    def __init__(self):
        self.proc = subprocess.Popen(["node", SHARP_JOBS], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def resize(self, source, box, output, options=None, fmt=None):
        self.proc.stdin.write(job(source, box, output, options, fmt))
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())


def job(source, box, output, options=None, fmt=None):
    """sharp's job: output in `fmt`, by default the source's format."""
    fmt = fmt or FORMATS[os.path.splitext(source)[1]]
    return json.dumps({"input": source, "width": box[0], "height": box[1], "format": fmt,
                       "options": SHARP_OPTIONS[fmt] if options is None else options,
                       "output": output}) + "\n"


def sharp_peak_rss_kb(source, box, output):
    """The peak resident set of node resizing one image with sharp."""
    return peak_rss_kb(["node", SHARP_JOBS], stdin=job(source, box, output))


def ipx_path(path, box):
    fmt = FORMATS[os.path.splitext(path)[1]]
    return f"/fit_inside,s_{box[0]}x{box[1]}{IPX_QUALITY.get(fmt, '')}/o/{path}"


def miss(systems, system, path, source, box, output):
    """One miss of a system, its output written to `output`: seconds."""
    if system == "sharp":
        return systems.sharp.resize(source, box, output)["seconds"]
    url = (systems.url("imgcache", f"/image/{box[0]}x{box[1]}/{path}") if system == "imgcache"
           else systems.url("ipx", ipx_path(path, box)))
    seconds, body, cache = get(url)
    assert system != "imgcache" or cache == "MISS", cache
    with open(output, "wb") as f:
        f.write(body)
    return seconds


def measure(systems, inputs, sizes, reps, scratch):
    """Per system, input and size: (median miss seconds, bytes, PSNR) of misses with a new
    key each time (the width nudged down), systems interleaved; bytes and PSNR of the last."""
    times, outputs = {}, {}
    key = 0
    for _, path, source in inputs:
        for w, h in sizes:
            for rep in range(reps):
                key += 1
                box = (w - WIDTH_NUDGE - key % 7 - rep, h)
                for system in SYSTEMS:
                    output = f"{scratch}/{system}-{key}{os.path.splitext(path)[1]}"
                    times.setdefault((system, path, w), []).append(
                        miss(systems, system, path, source, box, output))
                    outputs[(system, path, w)] = output
    sources = {path: source for _, path, source in inputs}
    return {k: (statistics.median(times[k]), os.path.getsize(out),
                psnr_to_lanczos(sources[k[1]], out, scratch, OVER))
            for k, out in outputs.items()}


# imgcache's settings with sharp's resampling kernel (lanczos3) and zlib level (6): PSNR
# against a Lanczos reference otherwise measures the kernel rather than the alpha handling.
LIKE_SHARP = {"IMGCACHE_RESIZE_FILTER": "lanczos", "IMGCACHE_PNG_COMPRESSION": "6"}


def alpha_targets(imgcache, sharp, source, scratch):
    """Bytes and PSNR of the alpha PNG at 800x500: imgcache truecolour and with
    png_quantize = on (`imgcache resize`), at its defaults and with sharp's kernel and zlib
    level; sharp truecolour and palette."""
    box = "x".join(map(str, ALPHA_BOX))
    runs = {"imgcache": {}, "imgcache-quantize": {"IMGCACHE_PNG_QUANTIZE": "on"},
            "imgcache-like-sharp": LIKE_SHARP,
            "imgcache-quantize-like-sharp": {**LIKE_SHARP, "IMGCACHE_PNG_QUANTIZE": "on"}}
    outputs = {name: f"{scratch}/alpha-{name}.png" for name in (*runs, "sharp", "sharp-palette")}
    for name, settings in runs.items():
        subprocess.run([imgcache, "resize", "-s", box, source, outputs[name]], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "IMGCACHE_PNG_QUANTIZE": "off", **settings})
    sharp.resize(source, ALPHA_BOX, outputs["sharp"])
    sharp.resize(source, ALPHA_BOX, outputs["sharp-palette"], {"palette": True})
    return {name: (os.path.getsize(out), psnr_to_lanczos(source, out, scratch, OVER))
            for name, out in outputs.items()}


def leaner(ours, theirs):
    """Whether ours, (bytes, PSNR), has no more bytes than theirs at equal or better PSNR."""
    return ours[0] <= theirs[0] and ours[1] >= theirs[1]


def met(ok):
    return "**met**" if ok else "**missed**"


def case_rows(inputs, sizes, peers):
    lines = ["| case | box | imgcache ms | sharp ms | ipx ms | ÷ sharp | ÷ ipx | "
             "bytes imgcache / sharp / ipx | PSNR dB imgcache / sharp / ipx |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for w, h in sizes:
        for label, path, _ in inputs:
            t, b, p = zip(*(peers[(s, path, w)] for s in SYSTEMS))
            lines.append(f"| {label} | {w}x{h} | {t[0] * 1000:.0f} | {t[1] * 1000:.0f} | "
                         f"{t[2] * 1000:.0f} | {t[0] / t[1]:.2f} | {t[0] / t[2]:.2f} | "
                         f"{' / '.join(map(str, b))} | {' / '.join(f'{x:.2f}' for x in p)} |")
    return lines


def ratios(inputs, peers, w, other):
    return {path: peers[("imgcache", path, w)][0] / peers[(other, path, w)][0]
            for _, path, _ in inputs}


def target_rows(inputs, sizes, peers, rss, alpha):
    """The targets of issue 15 (against sharp) and issue 12 point 4, met or missed."""
    lines = ["| target | result |", "| --- | --- |"]
    for w, h in sizes:
        over = [f"{os.path.basename(p)} {r:.3f}×"
                for p, r in ratios(inputs, peers, w, "sharp").items() if r > CASE_TARGET]
        lines.append(f"| every case ≤ {CASE_TARGET}× sharp at {w}x{h} | {met(not over)}"
                     f"{': over on ' + ', '.join(over) if over else ''} |")
        mean = geomean(ratios(inputs, peers, w, "sharp").values())
        lines.append(f"| geomean ≤ {GEOMEAN_TARGETS[w]}× sharp at {w}x{h} | "
                     f"{met(mean <= GEOMEAN_TARGETS[w])}: {mean:.2f}× |")
    worse = [f"{os.path.basename(path)} at {w}" for (s, path, w), ours in peers.items()
             if s == "imgcache" and not leaner(ours[1:], peers[("sharp", path, w)][1:])]
    lines.append(f"| bytes ≤ sharp's at equal or better PSNR, every case | "
                 f"{met(not worse)}: {len(peers) // 3 - len(worse)} of {len(peers) // 3}"
                 f"{'; not on ' + ', '.join(worse) if worse else ''} |")
    progressive = rss[("imgcache", "progressive", 800)]
    lines.append(f"| peak RSS of one 24 MP progressive JPEG → 800x600 ≤ {PEAK_TARGET_MB} MB | "
                 f"{met(progressive <= PEAK_TARGET_MB * 1024)}: {progressive / 1024:.0f} MB |")
    for settings, suffix in (("", ""), (", sharp's kernel and zlib level", "-like-sharp")):
        ours, sharp = alpha["imgcache" + suffix], alpha["sharp"]
        lines.append(f"| alpha PNG → 800x500{settings}: imgcache bytes ≤ sharp truecolour's at "
                     f"equal or better PSNR | {met(leaner(ours, sharp))}: {ours[0]} bytes, "
                     f"{ours[1]:.2f} dB against {sharp[0]}, {sharp[1]:.2f} dB |")
        ours, sharp = alpha["imgcache-quantize" + suffix], alpha["sharp-palette"]
        lines.append(f"| alpha PNG → 800x500{settings}, png_quantize = on: bytes within 10% of "
                     f"sharp's palette | {met(ours[0] <= QUANTIZE_SLACK * sharp[0])}: "
                     f"{ours[0]} bytes, {ours[1]:.2f} dB against {sharp[0]}, "
                     f"{sharp[1]:.2f} dB ({ours[0] / sharp[0]:.2f}×) |")
    return lines


def summary_rows(inputs, sizes, peers, rss, ipx_peak_kb):
    lines = ["| measure | imgcache | sharp | ipx | ÷ sharp | ÷ ipx |",
             "| --- | --- | --- | --- | --- | --- |"]
    for w, h in sizes:
        means = [geomean(peers[(s, path, w)][0] for _, path, _ in inputs) for s in SYSTEMS]
        lines.append(f"| miss {w}x{h}, geomean of medians (ratios: geomean of each case's) | "
                     f"{means[0] * 1000:.0f} ms | {means[1] * 1000:.0f} ms | "
                     f"{means[2] * 1000:.0f} ms | "
                     f"{geomean(ratios(inputs, peers, w, 'sharp').values()):.2f} | "
                     f"{geomean(ratios(inputs, peers, w, 'ipx').values()):.2f} |")
    for (system, layout, w), kb in rss.items():
        if system == "imgcache":
            theirs = rss[("sharp", layout, w)]
            lines.append(f"| peak RSS of one resize, 24 MP {layout} JPEG → {w}x"
                         f"{dict(sizes)[w]} (less the process at rest) | {kb / 1024:.0f} MB | "
                         f"{theirs / 1024:.0f} MB | | {kb / theirs:.2f} | |")
    lines.append(f"| ipx RSS high-water mark over its misses (VmHWM) | | | "
                 f"{ipx_peak_kb / 1024:.0f} MB | | |")
    return lines


def versions():
    sharp = subprocess.run(["node", "-p", "const v = require('sharp').versions; "
                            "`sharp ${v.sharp} (libvips ${v.vips}), node ${process.version}`"],
                           capture_output=True, text=True, check=True).stdout.strip()
    with open(f"{os.environ['NODE_PATH']}/ipx/package.json") as f:
        return f"{sharp}, ipx {json.load(f)['version']}"


def section(inputs, sizes, reps, results):
    """The part of docs/PERFORMANCE.md on sharp and ipx, tables first."""
    peers, rss, alpha = results["peers"], results["peer_rss"], results["alpha"]
    tables = ["\n".join(case_rows(inputs, sizes, peers)),
              "\n".join(summary_rows(inputs, sizes, peers, rss, results["ipx_peak"])),
              "\n".join(target_rows(inputs, sizes, peers, rss, alpha))]
    print("\n\n".join(tables))
    return f"""## Against sharp and ipx

The libvips peers, in the same run: {versions()}, from npm under
`build/bench/peers`. sharp runs in-process in node (`scripts/bench.d/sharp-jobs.cjs`:
operation cache off, one thread per image, one image at a time, EXIF orientation applied,
fit inside, no enlargement); ipx over HTTP (`scripts/bench.d/ipx-server.cjs`, `fit_inside`,
sharp's default of one thread per image on glibc) fetches from the same origin as imgcache.
Output in the source's format at imgcache's default qualities: JPEG 75 progressive, WebP
80; PNG and GIF at sharp's defaults (PNG at zlib level 6, where imgcache writes level 4).
Every request is a miss with a new key (the width nudged down), {reps} per input and box,
systems interleaved. imgcache's time is through nginx and includes fetching the source from
the origin, as ipx's does; sharp's starts at reading the file. Ratios are imgcache ÷ peer
(lower is better).

- Inputs: the corpus's, and the kinds it lacks, made once into `build/bench/kinds`: photo4
  turned on its side and tagged EXIF orientation 6, photo6 as CMYK (GraphicsMagick), photo5
  as a 256-colour palette PNG, photo3 as lossy WebP (cwebp, quality 80), and a {GIF_FRAMES}-frame
  960x600 animated GIF panning over photo6.
- PSNR: each output's first frame against a Lanczos resize of the upright source
  (GraphicsMagick) to the output's size, both composited over {OVER}: for images with alpha,
  what is seen rather than the colours of nearly or wholly transparent pixels. For the CMYK
  JPEG that reference converts CMYK to RGB without a profile, so its PSNR tells the
  systems' colour conversions apart more than their resizing. ipx does not apply EXIF
  orientation, so its output of the EXIF-rotated JPEG lies on its side, hence its low PSNR.
  The reference and the composited outputs are compared at 16 bits a channel, since
  GraphicsMagick truncates when it writes 8 (which would favour outputs that truncate).

{tables[0]}

{tables[1]}

Targets: issue 15 against sharp, and issue 12 point 4 on a generated 1920x1200 PNG whose
pixels are nearly all of alpha 1–3 around an opaque ellipse, to 800x500 by `imgcache resize`
with `png_quantize` off and on, at imgcache's defaults and with sharp's kernel (`resize_filter =
lanczos`) and zlib level (`png_compression = 6`), and by sharp as its default truecolour PNG
and with `png({{palette: true}})`, PSNR over {OVER} as above. sharp's nearly transparent
pixels come out mostly black (their premultiplied colours truncated rather than rounded):
fewer bytes, and a lower PSNR than rounding gives.

{tables[2]}
"""
