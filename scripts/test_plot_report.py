"""Tests of the pictures and the report, on committed results:
  python3 -m unittest discover -s scripts -p 'test_plot_report.py'
plot.py creates .venv-plot (PyPI) on its first run; the HTML check needs Debian's chromium and a
built dcnbench (`.ci/run` provides both).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from pagecheck import check_screenshot, dcnbench, png_size, render  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLOT = os.path.join(ROOT, "scripts", "plot.py")
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
SMOKE = os.path.join(FIXTURES, "smoke.csv")  # small: the smoke preset, 2 shapes, 1-2 threads
PEERS = os.path.join(FIXTURES, "peers-zen4")


class PlotTests(unittest.TestCase):
    def run_plot(self, *args):
        return subprocess.run([sys.executable, PLOT, *args, "--dcnbench", dcnbench()], cwd=ROOT, capture_output=True,
                              text=True, timeout=900)

    def test_each_figure_of_a_small_run(self):
        out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, out)
        r = self.run_plot(SMOKE, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ["sizes", "scaling", "roofline"]:
            width, height = png_size(os.path.join(out, f"{name}.png"))
            # Figures of 6.5 in per panel (sizes), 5 in (scaling), 7.5 in (roofline) at 110 dpi.
            self.assertGreater(width, 500, name)
            self.assertGreater(height, 300, name)
            with open(os.path.join(out, f"{name}.svg")) as f:
                svg = f.read()
            self.assertIn("<svg", svg)
            self.assertGreater(len(svg), 10_000, name)
        # No peer rows, no compare verdict: those figures are not drawn.
        self.assertFalse(os.path.exists(os.path.join(out, "peers.png")))

    def test_peers_and_compare_figures(self):
        out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, out)
        csvs = sorted(os.path.join(PEERS, f) for f in os.listdir(PEERS)
                      if f.endswith(".csv") and "samples" not in f and (f.startswith("ours-") or "-t" in f))
        verdict = os.path.join(out, "verdict.json")
        compare = subprocess.run([dcnbench(), "compare", SMOKE, SMOKE, "--json", verdict], cwd=ROOT, capture_output=True)
        self.assertTrue(os.path.exists(verdict), compare.stderr)
        r = self.run_plot(*csvs, "--out", out, "--compare", verdict)
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ["peers", "compare"]:
            width, height = png_size(os.path.join(out, f"{name}.png"))
            self.assertGreater(width, 500, name)
            self.assertGreater(height, 200, name)

    def test_other_schema_is_refused_clearly(self):
        out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, out)
        bad = os.path.join(out, "v9.csv")
        with open(SMOKE) as f:
            lines = f.read().splitlines()
        with open(bad, "w") as f:
            f.write("\n".join([lines[0]] + ["9" + line[line.index(","):] for line in lines[1:]]) + "\n")
        r = self.run_plot(bad, "--out", out)
        self.assertNotEqual(r.returncode, 0)
        # dcnbench's reader refuses it, naming the file and the versions it reads.
        self.assertIn(f"plot.py: {bad}", r.stderr)
        self.assertIn("schema_version 9", r.stderr)
        self.assertEqual([f for f in os.listdir(out) if f.endswith(".png")], [])


class ReportTests(unittest.TestCase):
    def test_markdown_has_its_tables(self):
        r = subprocess.run([dcnbench(), "report", os.path.join(FIXTURES, "zen4-default.csv")],
                           cwd=ROOT, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        for heading in ["## Machine and build", "## Fastest design per shape", "| shape | fastest | GFLOP/s |"]:
            self.assertIn(heading, r.stdout)
        self.assertGreaterEqual(r.stdout.count("\n| v"), 10, "a row per default-preset shape")

    def test_html_renders_in_chromium(self):
        out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, out)
        page = os.path.join(out, "report.html")
        csvs = [os.path.join(PEERS, "ours-r1.csv"), os.path.join(PEERS, "openvino-t1-r1.csv")]
        r = subprocess.run([dcnbench(), "report", *csvs, "--html", "--out", page], cwd=ROOT, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        dom, shot = render(page, out)
        self.assertIn("<table>", dom)
        self.assertIn("Against the peers", dom)
        check_screenshot(self, shot)


if __name__ == "__main__":
    unittest.main()
