#!/usr/bin/env python3
"""Compares two activation dumps written by `edgelm logits --dump DIR`.

    scripts/compare-dumps.py REF_DIR OTHER_DIR [--tol 1e-4] [--all]

For every tensor both dumps hold, in the order the model computed them, prints
the largest difference relative to the reference tensor's largest magnitude and
where it is (row = token position). The first tensor over --tol is where the
two implementations part; the rows before the first bad row in it tell how far
they agree. Exit status: 0 when all tensors are within --tol, 1 otherwise.
Only the Python standard library is used.
"""
import argparse
import array
import json
import pathlib
import sys


def load(folder):
    folder = pathlib.Path(folder)
    index = json.loads((folder / "index.json").read_text())
    return folder, index


def read(folder, entry):
    data = array.array("f")
    data.frombytes((folder / entry["file"]).read_bytes())
    if sys.byteorder != "little":
        data.byteswap()
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ref")
    ap.add_argument("other")
    ap.add_argument("--tol", type=float, default=1e-4, help="relative tolerance (default 1e-4)")
    ap.add_argument("--all", action="store_true", help="list every tensor, not only up to the first divergence")
    args = ap.parse_args()
    ref_dir, ref_index = load(args.ref)
    other_dir, other_index = load(args.other)
    others = {e["name"]: e for e in other_index}
    worst_ok = True
    print(f"{'tensor':<28} {'rows':>6} {'cols':>7} {'max|d|/max|ref|':>16}  worst at (row, col)")
    for entry in ref_index:
        name = entry["name"]
        if name not in others:
            print(f"{name:<28} only in {args.ref}")
            continue
        o = others[name]
        if o["cols"] != entry["cols"]:
            print(f"{name:<28} widths differ: {entry['cols']} vs {o['cols']}")
            worst_ok = False
            continue
        a, b = read(ref_dir, entry), read(other_dir, o)
        cols = entry["cols"]
        n = min(len(a), len(b))
        scale = max((abs(x) for x in a[:n]), default=0.0) or 1.0
        worst, where = 0.0, 0
        for i in range(n):
            d = abs(a[i] - b[i])
            if d > worst or d != d:
                worst, where = d, i
        rel = worst / scale
        flag = "" if rel <= args.tol else "  <-- over tol"
        print(f"{name:<28} {n // cols:>6} {cols:>7} {rel:>16.3e}  ({where // cols}, {where % cols}){flag}")
        if rel > args.tol:
            if worst_ok and not args.all:
                first_bad_row = next(i // cols for i in range(n) if abs(a[i] - b[i]) > args.tol * scale)
                print(f"first divergence: {name}, from row {first_bad_row}")
                return 1
            worst_ok = False
    return 0 if worst_ok else 1


if __name__ == "__main__":
    sys.exit(main())
