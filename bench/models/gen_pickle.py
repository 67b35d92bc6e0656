#!/usr/bin/env python3
"""Writes a PyTorch-style state dict pickle (protocol 2, as torch.save writes the
object pickle) with the given number of tensors, opcode for opcode the way the
pickler lays it out: GLOBAL once then BINGET from the memo, a persistent id
tuple per storage, _rebuild_tensor_v2 calls, memo puts after every object.
Prints the number of opcodes written. Usage: gen_pickle.py TENSORS OUT"""
import struct
import sys


def main():
    n, path = int(sys.argv[1]), sys.argv[2]
    out = bytearray()
    ops = 0
    memo = 0

    def op(b):
        nonlocal ops
        out.extend(b)
        ops += 1

    def put():
        nonlocal memo
        op(b"q" + bytes([memo]) if memo < 256 else b"r" + struct.pack("<I", memo))
        memo += 1
        return memo - 1

    def get(i):
        op(b"h" + bytes([i]) if i < 256 else b"j" + struct.pack("<I", i))

    def text(s):
        b = s.encode()
        op(b"X" + struct.pack("<I", len(b)) + b)

    op(b"\x80\x02")
    op(b"ccollections\nOrderedDict\n")
    od = put()
    op(b")")
    op(b"R")
    put()
    op(b"(")
    rebuild = storage_tag = float_storage = cpu = None
    for i in range(n):
        text(f"model.layers.{i // 12}.block.{i % 12}.weight")
        put()
        if rebuild is None:
            op(b"ctorch._utils\n_rebuild_tensor_v2\n")
            rebuild = put()
        else:
            get(rebuild)
        op(b"(")
        op(b"(")
        if storage_tag is None:
            text("storage")
            storage_tag = put()
            op(b"ctorch\nFloatStorage\n")
            float_storage = put()
        else:
            get(storage_tag)
            get(float_storage)
        text(str(i))
        put()
        if cpu is None:
            text("cpu")
            cpu = put()
        else:
            get(cpu)
        op(b"J" + struct.pack("<i", 4096))
        op(b"t")
        put()
        op(b"Q")
        op(b"K\x00")
        op(b"M" + struct.pack("<H", 64))
        op(b"K\x40")
        op(b"\x86")
        put()
        op(b"K\x40")
        op(b"K\x01")
        op(b"\x86")
        put()
        op(b"\x89")
        get(od)
        op(b")")
        op(b"R")
        put()
        op(b"t")
        put()
        op(b"R")
        put()
        if i % 1000 == 999:
            op(b"u")
            op(b"(")
    op(b"u")
    op(b".")
    with open(path, "wb") as f:
        f.write(out)
    print(ops)


if __name__ == "__main__":
    main()
