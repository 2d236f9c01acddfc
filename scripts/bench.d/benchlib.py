"""Helpers shared by the parts of scripts/bench: ports, HTTP, process time and memory,
image sizes and quality."""
import math
import os
import re
import socket
import subprocess
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def get(url):
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
        cache = response.headers.get("X-Cache", "")
    return time.perf_counter() - start, body, cache


def peak_rss_kb(command, stdin=None):
    """The peak resident set of a command run to its end, in kB (GNU time's %M: the
    child's own, which getrusage in this process would mix with Python's at the fork)."""
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *command], input=stdin,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         check=True).stderr
    return int(out.strip().splitlines()[-1])


def geomean(values):
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def image_size(path):
    """Width and height of an image (of its first frame)."""
    out = subprocess.run(["gm", "identify", "-format", "%w %h\n", f"{path}[0]"],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[1])


def psnr(a, b):
    out = subprocess.run(["gm", "compare", "-metric", "PSNR", a, b], capture_output=True,
                         text=True).stdout
    m = re.search(r"Total:\s+([\d.]+|inf)", out)
    return float(m.group(1)) if m else float("nan")


# Images the PSNR compares are written with 16 bits a channel: GraphicsMagick truncates when
# it writes 8 bits, which would bias the reference half a level down and score an output
# that rounds correctly below one that truncates.
DEPTH = ["-depth", "16"]


def lanczos_reference(source, width, height, scratch, over=None):
    """A Lanczos resize of the source (upright, first frame) to exactly width x height,
    composited over the colour `over` first if given, at 16 bits a channel; made once per
    scratch folder."""
    ref = f"{scratch}/ref-{os.path.basename(source)}-{width}x{height}-{over}.png"
    flatten = ["-background", over, "-flatten"] if over else []
    if not os.path.exists(ref):
        subprocess.run(["gm", "convert", f"{source}[0]", "-auto-orient", *flatten, "-filter",
                        "Lanczos", "-resize", f"{width}x{height}!", *DEPTH, ref], check=True)
    return ref


def psnr_to_lanczos(source, output, scratch, over=None):
    """PSNR of an output (its first frame) against a Lanczos resize of its source to the
    output's size; with `over`, of both composited over that colour (for images with
    alpha: what is seen, not the colours of pixels nearly or wholly transparent)."""
    ref = lanczos_reference(source, *image_size(output), scratch, over)
    if over:
        flat = f"{output}-over-{over}.png"
        subprocess.run(["gm", "convert", f"{output}[0]", "-background", over, "-flatten", *DEPTH,
                        flat], check=True)
        output = flat
    return psnr(f"{output}[0]", ref)


ANIMATION_FRAMES = 12


def make_animation(photo, scratch, frame=(480, 300), count=ANIMATION_FRAMES):
    """An animated GIF like a clip of film: `count` frames of the given size panning across
    a photograph, 8 cs each, looping; GraphicsMagick quantises each frame to 256 colours."""
    fw, fh = frame
    wide = f"{scratch}/pan.png"
    subprocess.run(["gm", "convert", photo, "-resize", f"{2 * fw}x{2 * fh}!", wide], check=True)
    frames = []
    for i in range(count):
        path = f"{scratch}/pan{i:02}.png"
        subprocess.run(["gm", "convert", wide, "-crop", f"{fw}x{fh}+{fw * i // count}"
                        f"+{fh * i // count}", "+repage", path], check=True)
        frames.append(path)
    gif = f"{scratch}/pan.gif"
    subprocess.run(["gm", "convert", "-delay", "8", "-loop", "0", *frames, gif], check=True)
    return gif
