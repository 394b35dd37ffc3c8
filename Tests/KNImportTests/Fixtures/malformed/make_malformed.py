#!/usr/bin/env python3
"""Writes the broken inputs of the malformed-input suite (Tests/KNMapCLITests/MalformedInputCommandTests.swift).

Run from this folder:  python3 make_malformed.py   (Python 3.11 standard library only; re-running reproduces every
file byte for byte). Each file is one fault; README.md lists them with the error kn-map must give.
The zip layout and the state-dict pickles come from ../make_fixtures.py (torch's layout, FORMAT.md). The rawfiles
are cut from an ngspice 46 transient of an RC low-pass (the same netlist as Fuzz/corpus/rawfile), embedded below.
"""
import io
import os
import random
import struct
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)) + "/..")
from make_fixtures import Ops, checkpoint, f32, torch_state_dict_pickle  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PARENT = os.path.join(HERE, "..")


def write(name, data):
    with open(os.path.join(HERE, name), "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def tiny_layers():
    """The parameters of ../tiny.pth (2 layers of (3, 12) float32)."""
    return [[struct.unpack("<f", f32(0.01 * (l * 100 + i) - 0.2))[0] for i in range(36)] for l in range(2)]


def tiny_keys():
    return [(f"circuit.layer_list.{l}.model.param", 36, (3, 12), (12, 1)) for l in range(2)]


def zip_entries(entries, deflated=()):
    """A plain zip (Python's zipfile) with the named entries deflated; torch itself never compresses."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if name in deflated else zipfile.ZIP_STORED
            z.writestr(info, data, compresslevel=9 if name in deflated else None)
    return buf.getvalue()


def main():
    tiny = open(os.path.join(PARENT, "tiny.pth"), "rb").read()

    # Zip container.
    write("truncated.pth", tiny[:-200])
    crc = bytearray(tiny)
    name = b"archive/data/1"
    header = crc.index(name) - 30
    extra = struct.unpack_from("<H", crc, header + 28)[0]
    crc[header + 30 + len(name) + extra + 17] ^= 0x40
    write("crc_mismatch.pth", bytes(crc))

    # A ZIP64 end record whose central-directory offset is past 2^63 (the checkpoint fuzzer's first crash:
    # ZIPFoundation converted it to off_t and trapped).
    z64 = bytearray(tiny)
    record = z64.rindex(b"PK\x06\x06")
    struct.pack_into("<Q", z64, record + 48, 0xF900000000000000 | struct.unpack_from("<Q", z64, record + 48)[0])
    write("zip64_offset_overflow.pth", bytes(z64))

    # A zip bomb within deflate's ratio: a 9 MiB storage deflated to about 1/160 of that. The reader allows a
    # small checkpoint 8 MiB of storages, so it refuses this one from the declared sizes, before inflating.
    rng = random.Random(7)
    block = bytes(rng.randrange(256) for _ in range(4096))
    storage = block * (9 * 1024 * 1024 // len(block))
    pickle = torch_state_dict_pickle([("circuit.layer_list.0.model.param", len(storage) // 4, (3, 12), (12, 1))])
    write("zip_bomb.pth", zip_entries([("archive/data.pkl", pickle), ("archive/data/0", storage),
                                       ("archive/version", b"3\n")], deflated={"archive/data/0"}))
    # A deflated data.pkl whose central-directory entry claims 4 GiB inflated from a few hundred bytes.
    small = zip_entries([("archive/data.pkl", pickle), ("archive/data/0", b"\0" * 144), ("archive/version", b"3\n")],
                        deflated={"archive/data.pkl"})
    bomb = bytearray(small)
    pos = 0
    while True:
        pos = bomb.index(b"PK\x01\x02", pos)
        n = struct.unpack_from("<H", bomb, pos + 28)[0]
        if bytes(bomb[pos + 46:pos + 46 + n]) == b"archive/data.pkl":
            struct.pack_into("<I", bomb, pos + 24, 0xFFFFFFF0)
            break
        pos += 4
    write("ratio_bomb.pth", bytes(bomb))

    # Pickle.
    o = Ops().proto(2).raw(b"\xff").stop()
    write("unknown_opcode.pth", checkpoint("archive", o.bytes(), {}))
    o = Ops().proto(2).raw(b"(" * 10_001).stop()
    write("deep_marks.pth", checkpoint("archive", o.bytes(), {}))
    # A float16 storage whose declared count needs more bytes than its entry holds (wrong dtype for the bytes:
    # 36 float32 values written, but the persistent id says HalfStorage of 144 elements).
    layers = tiny_layers()
    o = torch_state_dict_pickle([("circuit.layer_list.0.model.param", 144, (3, 48), (48, 1))], storage_class="HalfStorage")
    write("dtype_count_mismatch.pth", checkpoint("archive", o, {"0": b"".join(f32(v) for v in layers[0])}))

    # Values.
    inf = [list(layers[0]), list(layers[1])]
    inf[0][1 * 12 + 3] = float("inf")
    write("tiny_inf.pth", checkpoint("archive", torch_state_dict_pickle(tiny_keys()),
                                     {str(l): b"".join(f32(v) for v in inf[l]) for l in range(2)}))

    # Configs for ../tiny.pth.
    yaml = open(os.path.join(PARENT, "tiny.yaml")).read()
    def edit(old, new):
        assert old in yaml, old
        return yaml.replace(old, new)
    write("shape_mismatch.yaml", edit("      repeat:\n      - 1\n      - 1\n", "      repeat:\n      - 2\n      - 1\n"))
    write("missing_tol.yaml", edit("  tol: 1e-4\n", ""))
    write("num_node_word.yaml", edit("  - args:\n      num_node: 3\n    name", "  - args:\n      num_node: three\n    name"))
    write("t_end_scalar.yaml", edit("  t_end:\n  - 0.0\n  - 0.5\n  - 1.0\n", "  t_end: 1.0\n"))
    write("unknown_family.yaml", edit("    name: ShiftTanh2\n", "    name: ShiftTanh9\n"))
    # 20,000 nested flow lists: Yams composes recursively and overflowed the stack at about 5,000 (found by hand
    # while writing the config fuzzer; the reader now bounds the nesting before parsing).
    write("deep_nesting.yaml", "network: " + "[" * 20_000 + "]" * 20_000 + "\n")
    write("bad_syntax.yaml", edit("  t_end:\n  - 0.0\n", "  t_end: [0.0, 0.5\n  - 0.0\n"))

    # Inputs for `kn-map simulate` on the example network (2 input values).
    write("inf_input.csv", "x,y\n0.5,0.25\n1.0,inf\n")
    def npy(descr, shape, payload):
        h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
        h += " " * ((-(10 + len(h) + 1)) % 64) + "\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + payload
    write("nan_input.npy", npy("<f8", "(2, 2)", struct.pack("<4d", 0.5, 0.25, float("nan"), 1.0)))
    write("huge_shape.npy", npy("<f8", "(1000000, 1000000)", b"\0" * 16))
    write("negative_shape.npy", npy("<f8", "(-2, 2)", b"\0" * 32))
    write("overflowing_shape.npy", npy("<f8", "(4611686018427387904, 4)", b"\0" * 32))
    # The samples-npy fuzzer's crash: the shape field has its ')' before its '(' (an inverted range trapped).
    h = "{'descr': '<f2', 'shape': 1), 'fortran_order': False, 'shape': ( }"
    h += " " * ((-(10 + len(h) + 1)) % 64) + "\n"
    write("shape_parentheses.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + b"\0" * 8)

    # Rawfiles, cut from ngspice's output (the header is kept verbatim; the data is ngspice's first values).
    raw_header = ("Title: * rc low-pass\nDate: Sun Nov 29 00:36:05  2026\nCommand: ngspice-46\n"
                  "Plotname: Transient Analysis\nFlags: real\nNo. Variables: 3\nNo. Points: 4\nVariables:\n"
                  "\t0\ttime\ttime\n\t1\tv(out)\tvoltage\n\t2\tv(in)\tvoltage\n")
    points = [(0.0, 0.0, 0.0), (1e-11, 9.999900000999992e-08, 1e-2), (2e-11, 3.99992e-07, 2e-2), (4e-11, 1.59995e-06, 4e-2)]
    binary = (raw_header + "Binary:\n").encode() + b"".join(struct.pack("<3d", *p) for p in points)
    write("truncated_mid_point.raw", binary[:len(binary) - 3 * 8 - 12])   # point 3 cut after 1.5 of its 3 values
    text = raw_header + "Values:\n" + "".join(f" {i}\t{p[0]:.15e}\n\t{p[1]:.15e}\n\t{p[2]:.15e}\n\n" for i, p in enumerate(points))
    cut = text.index(" 3\t") + len(" 3\t4.0000")                            # inside the time value of point 3
    write("truncated_mid_point_ascii.raw", text[:cut])
    write("huge_point_count.raw", binary.replace(b"No. Points: 4\n", b"No. Points: 1000000000000\n"))


if __name__ == "__main__":
    main()
