"""Benchmark input: CDNOW's 23,570 real customers replicated to any size, as JSON Lines.

    uv run python bench/data.py 1000000          # → bench/results/data/cdnow-1000000.jsonl

Copies get new ids (`00001-1`, `00001-2`, …) and the same history. Written as a stream: the
base set (23,570 customers) is the only thing held in memory, whatever the size.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"


def cdnow_module():
    spec = importlib.util.spec_from_file_location("cdnow_example",
                                                  ROOT / "examples" / "cdnow" / "cdnow.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("cdnow_example", module)
    spec.loader.exec_module(module)
    return module


def dataset(size: int, folder: Path = RESULTS / "data") -> Path:
    """The path of a JSONL file with `size` customers, written if it is not there yet."""
    cdnow = cdnow_module()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"cdnow-{size}.jsonl"
    if path.exists():
        return path
    base = cdnow.load(cdnow.fetch(cdnow.DATA))
    partial = path.with_suffix(".partial")
    cdnow.write_jsonl(cdnow.replicate(base, size), partial)
    partial.rename(path)
    return path


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["10000"]:
        print(dataset(int(arg)))
