"""Regenerate the SYNTHETIC example digitization shipped in this folder (not a published figure)."""

from pathlib import Path

from msevidence.reconstruct.example import make_synthetic_example

if __name__ == "__main__":
    for name, path in make_synthetic_example(Path(__file__).resolve().parent).items():
        print(f"wrote {name}: {path}")
