"""``python -m tests.synthetic``, run as a developer would from the repository root."""
import subprocess
import sys
from pathlib import Path

from s2gm_qgis.core.safe import open_product, product_datastrip
from tests.conftest import REPO_ROOT


def run(*args):
    return subprocess.run([sys.executable, "-m", "tests.synthetic", *map(str, args)],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)


def test_l1c_and_l2a_products_are_written_and_read_back(tmp_path):
    l1c = run("l1c", "--out", tmp_path, "--size", 60, "--spacecraft", "S2C", "--baseline",
              "02.04", "--tile", "01KAB", "--date", "2025-01-10", "--zip")
    assert l1c.returncode == 0, l1c.stderr
    path = Path(l1c.stdout.strip())
    assert path.parent == tmp_path and path.name.startswith("S2C_MSIL1C_20250110T")
    assert path.name.endswith(".zip") and "_N0204_R008_T01KAB_" in path.name
    product = open_product(path)
    assert (product.level, product.spacecraft, product.granule.grids[10].nrows) == ("L1C", "S2C", 60)
    assert product.granule.mask("MSK_DETFOO", "B02").endswith(".gml")
    assert product_datastrip(product).spacecraft == "S2C"

    l2a = run("l2a", "--out", tmp_path, "--size", 60, "--format", "tif", "--seed", 4)
    assert l2a.returncode == 0, l2a.stderr
    product = open_product(l2a.stdout.strip())
    assert (product.level, product.processing_baseline) == ("L2A", "05.10")
    assert product.granule.image("SCL", 20).endswith("_SCL_20m.tif")


def test_bad_options_exit_2_with_the_reason(tmp_path):
    result = run("l2a", "--out", tmp_path, "--size", 61)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: size_10m=61")
    result = run("l1c", "--out", tmp_path, "--size", 60, "--spacecraft", "S2D")
    assert result.returncode == 2 and "unknown spacecraft 'S2D'" in result.stderr
