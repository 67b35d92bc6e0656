#!/usr/bin/env python3
"""Times the reference Python readers on the inputs of airlock's `formats` bench.

Writes, into a temporary folder, a safetensors header of 1,000 BF16 tensors of
4096x4096 (a sparse file: only the header is real) and a GGUF with a
150,000-token vocabulary (tokens, scores, types, merges, a chat template, 300
Q4_K tensor infos), then times:
  - safetensors `safe_open(...).keys()` (the reference crate, via Python),
  - gguf-py `GGUFReader` (reads every field and tensor info).
Needs `pip install safetensors gguf numpy` (a venv under .bench-cache/ is fine).
Run: `python3 bench/models/formats_reference.py`
"""
import json
import os
import struct
import tempfile
import time

import numpy as np
from safetensors import safe_open
import gguf


def best_of(n, f):
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def safetensors_file(path, n=1000):
    size = 4096 * 4096 * 2
    h = {"__metadata__": {"format": "pt"}}
    for i in range(n):
        h[f"model.layers.{i // 10}.mlp.proj_{i % 10}.weight"] = {
            "dtype": "BF16", "shape": [4096, 4096], "data_offsets": [i * size, (i + 1) * size]}
    hb = json.dumps(h, separators=(",", ":")).encode()
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb)
        f.truncate(8 + len(hb) + n * size)


def gguf_file(path, n=150_000):
    w = gguf.GGUFWriter(path, "qwen2")
    w.add_tokenizer_model("gpt2")
    w.add_token_list([f"tok{i}" for i in range(n)])
    w.add_token_scores([float(i) for i in range(n)])
    w.add_token_types([1] * n)
    w.add_token_merges([f"t{i % 977} k{i}" for i in range(n)])
    here = os.path.dirname(os.path.abspath(__file__))
    tpl = os.path.join(here, "../../crates/airlock-models/tests/fixtures/templates/chatml-tools-thinking.jinja")
    w.add_chat_template(open(tpl).read())
    for i in range(300):
        w.add_tensor_info(f"blk.{i // 10}.ffn_{i % 10}.weight", (4, 144), np.dtype(np.uint8), 576,
                          raw_dtype=gguf.GGMLQuantizationType.Q4_K)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()
    # Tensor data as zeros (a sparse extension), so the reader can map it.
    with open(path, "r+b") as f:
        end = f.seek(0, 2)
        f.truncate(end + (-end % 32) + 300 * 576)


def main():
    with tempfile.TemporaryDirectory() as d:
        st = os.path.join(d, "m.safetensors")
        safetensors_file(st)

        def st_keys():
            with safe_open(st, "np") as f:
                assert len(list(f.keys())) == 1000

        print(f"safetensors safe_open + keys, 1,000 tensors: {best_of(20, st_keys) * 1e3:.2f} ms")
        gg = os.path.join(d, "m.gguf")
        gguf_file(gg)
        print(f"gguf file: {os.path.getsize(gg) / 1e6:.1f} MB")
        print(f"gguf-py GGUFReader, 150k vocabulary: {best_of(1, lambda: gguf.GGUFReader(gg)) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
