"""AVIF and JPEG XL output in scripts/bench: imgcache's misses of the corpus's photographs
as AVIF and JPEG XL against the same misses as JPEG (time, bytes, PSNR), AVIF over a sweep
of qualities to find the bytes at the JPEG's PSNR, and sharp's AVIF at its defaults."""
import os
import statistics
import subprocess

from benchlib import geomean, get, psnr_to_lanczos

# Each variant: (name, URL options, the format written); the JPEG is the plain miss.
AVIF_SWEEP = (50, 55, 60, 65, 70, 80)
VARIANTS = [("jpeg", "", "jpeg"), ("jxl", ",jxl", "jxl")] + \
    [(f"avif q{q}", f",avif,q{q}", "avif") for q in AVIF_SWEEP]
# Widths below those of every other phase of the bench, so every key is new.
WIDTH_NUDGE = 20
SHARP_AVIF = {"quality": 50, "effort": 4}  # sharp's defaults
TIME_TARGET = 2.0    # a 150x150 AVIF miss ≤ 2× the JPEG miss
BYTES_TARGET = 0.7   # AVIF bytes ≤ 0.7× the JPEG's at equal PSNR
DECODERS = {"avif": "avifdec", "jxl": "djxl"}


def readable(output, fmt):
    """The output as a PNG GraphicsMagick reads (AVIF and JPEG XL decoded by Debian's tools)."""
    if fmt not in DECODERS:
        return output
    png = f"{output}.png"
    subprocess.run([DECODERS[fmt], output, png], check=True, capture_output=True)
    return png


def measure(systems, photos, sizes, reps, scratch):
    """Per variant, photo and box width: (median miss seconds, bytes, PSNR of the last)."""
    times, outputs = {}, {}
    key = 0
    for photo, source in photos:
        for w, h in sizes:
            for rep in range(reps):
                key += 1
                box = f"{w - WIDTH_NUDGE - key % 7 - rep}x{h}"
                for name, options, fmt in VARIANTS:
                    seconds, body, cache = get(systems.url("imgcache", f"/image/{box}{options}/{photo}"))
                    assert cache == "MISS", cache
                    output = f"{scratch}/format-{key}-{name.replace(' ', '-')}.{fmt}"
                    with open(output, "wb") as f:
                        f.write(body)
                    times.setdefault((name, photo, w), []).append(seconds)
                    outputs[(name, photo, w)] = (output, fmt)
                width, height = map(int, box.split("x"))
                output = f"{scratch}/format-{key}-sharp.avif"
                result = systems.sharp.resize(source, (width, height), output, SHARP_AVIF,
                                              "avif")
                times.setdefault(("sharp avif", photo, w), []).append(result["seconds"])
                outputs[("sharp avif", photo, w)] = (output, "avif")
    sources = dict(photos)
    return {k: (statistics.median(times[k]), os.path.getsize(out),
                psnr_to_lanczos(sources[k[1]], readable(out, fmt), scratch))
            for k, (out, fmt) in outputs.items()}


def at_jpeg_psnr(results, photo, w):
    """The smallest AVIF of the sweep whose PSNR is at least the JPEG's: (quality, bytes), or
    None when none reaches it."""
    jpeg_psnr = results[("jpeg", photo, w)][2]
    for q in AVIF_SWEEP:
        _, size, psnr = results[(f"avif q{q}", photo, w)]
        if psnr >= jpeg_psnr:
            return q, size
    return None


def rows(photos, sizes, results):
    """The per-photo table and the targets of issue 17."""
    names = [name for name, _, _ in VARIANTS] + ["sharp avif"]
    lines = ["| photo | box | " + " | ".join(f"{n} ms / bytes / dB" for n in names) + " |",
             "| --- | --- |" + " --- |" * len(names)]
    for w, h in sizes:
        for photo, _ in photos:
            cells = [f"{results[(n, photo, w)][0] * 1000:.0f} / {results[(n, photo, w)][1]} / "
                     f"{results[(n, photo, w)][2]:.2f}" for n in names]
            lines.append(f"| {photo} | {w}x{h} | " + " | ".join(cells) + " |")
    targets = ["| target | result |", "| --- | --- |"]
    for w, h in sizes:
        slower = geomean([results[("avif q50", p, w)][0] / results[("jpeg", p, w)][0]
                          for p, _ in photos])
        jxl_slower = geomean([results[("jxl", p, w)][0] / results[("jpeg", p, w)][0]
                              for p, _ in photos])
        verdict = ("**met**" if slower <= TIME_TARGET else "**missed**") if w == 150 else "(no target)"
        targets.append(f"| AVIF miss (avif_quality 50) ≤ {TIME_TARGET}× the JPEG miss at "
                       f"{w}x{h}, geomean | {verdict}: {slower:.2f}× (JPEG XL: {jxl_slower:.2f}×) |")
        matched = {p: at_jpeg_psnr(results, p, w) for p, _ in photos}
        ratios = [m[1] / results[("jpeg", p, w)][1] for p, m in matched.items() if m]
        missing = [p for p, m in matched.items() if not m]
        mean = geomean(ratios) if ratios else float("nan")
        ok = not missing and mean <= BYTES_TARGET
        qualities = ", ".join(f"{p} q{m[0]}" for p, m in matched.items() if m)
        targets.append(f"| AVIF bytes ≤ {BYTES_TARGET}× the JPEG's at equal PSNR, {w}x{h}, "
                       f"geomean | {'**met**' if ok else '**missed**'}: {mean:.2f}× "
                       f"({qualities}{'; no quality of the sweep reaches the JPEG on ' + ', '.join(missing) if missing else ''}) |")
        ours = geomean([results[("avif q50", p, w)][1] / results[("sharp avif", p, w)][1]
                        for p, _ in photos])
        psnr = statistics.mean(results[("avif q50", p, w)][2] - results[("sharp avif", p, w)][2]
                               for p, _ in photos)
        faster = geomean([results[("avif q50", p, w)][0] / results[("sharp avif", p, w)][0]
                          for p, _ in photos])
        targets.append(f"| AVIF against sharp's (quality 50, effort 4) at {w}x{h}, geomean | "
                       f"time {faster:.2f}×, bytes {ours:.2f}×, PSNR {psnr:+.2f} dB |")
    return lines, targets


def section(photos, sizes, reps, results):
    lines, targets = rows(photos, sizes, results)
    print("\n".join(lines + [""] + targets))
    table, target_table = "\n".join(lines), "\n".join(targets)
    return f"""## AVIF and JPEG XL output

imgcache's misses of the corpus's photographs as JPEG (the plain request, `jpeg_quality`
75), JPEG XL (`jxl`, `jxl_quality` 75, `jxl_effort` 4) and AVIF (`avif`, at
{", ".join(f"q{q}" for q in AVIF_SWEEP)}; `avif_quality` is 50, `avif_speed` 8), each through
nginx with a new key, {reps} per photo and box; and sharp's AVIF at its defaults
(quality 50, effort 4) in-process. PSNR against the same Lanczos reference as above, AVIF
and JPEG XL decoded by Debian's `avifdec` and `djxl`. Each cell: median ms / bytes / dB.

{table}

Targets of issue 17 (the AVIF at the JPEG's PSNR is the smallest of the sweep that reaches
it):

{target_table}
"""
