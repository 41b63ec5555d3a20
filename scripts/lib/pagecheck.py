"""What the Python tests share: the built dcnbench, and a page rendered in headless Chromium."""
import os
import shutil
import struct
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def dcnbench():
    out = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True)
    path = os.path.join(out.stdout.strip(), "dcnbench")
    if not os.path.exists(path):
        raise unittest.SkipTest("dcnbench is not built (swift build -c release --product dcnbench)")
    return path


def png_size(path):
    """(width, height) from a PNG's IHDR chunk."""
    with open(path, "rb") as f:
        header = f.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def chromium():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise unittest.SkipTest("chromium is not installed (apt-get install chromium)")
    return browser


def render(page, scratch, size=(1200, 1600)):
    """The DOM of file PAGE after Chromium loaded it, and a screenshot's path (in SCRATCH)."""
    browser = chromium()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={scratch}/profile"]
    dom = subprocess.run([browser, *flags, "--dump-dom", f"file://{page}"], capture_output=True, text=True, timeout=120)
    shot = os.path.join(scratch, os.path.basename(page) + ".png")
    subprocess.run([browser, *flags, f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}", f"file://{page}"],
                   capture_output=True, timeout=120)
    return dom.stdout, shot


def check_screenshot(test, shot, size=(1200, 1600)):
    """TEST fails unless SHOT is a SIZE PNG that is not blank: text and lines give many distinct
    colours, a blank page one (decoded with Pillow from .venv-plot, which plot.py's tests create;
    the test is skipped without it)."""
    test.assertEqual(png_size(shot), size)
    python = os.path.join(ROOT, ".venv-plot", "bin", "python")
    if not os.path.exists(python):
        test.skipTest(".venv-plot is missing (run plot.py once)")
    out = subprocess.run([python, "-c", "import sys; from PIL import Image; "
                          "print(len(Image.open(sys.argv[1]).convert('RGB').getcolors(1 << 24)))", shot],
                         capture_output=True, text=True)
    test.assertGreater(int(out.stdout), 50, out.stderr)
