#!/usr/bin/env python3
"""Writes the checkpoints in torch-saved/ with a real PyTorch (torch.save), so that the Swift reader is tested
on what newer torch versions really emit: pickle protocols 2 and 4 (FRAME, SHORT_BINUNICODE, MEMOIZE, ...),
float16/bfloat16/float64 storages, storage offsets, non-contiguous strides and shared storages.
Each file comes with <name>.expected.json: the tensors as torch itself reads them back (float64 lists).

Run with a Python that has torch (e.g. the venv of Benchmarks/mnist_torch_baseline.py):
    python3 Tests/KNImportTests/Fixtures/make_torch_fixtures.py
"""
import collections, json, os
import torch

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch-saved")
os.makedirs(here, exist_ok=True)
g = torch.Generator().manual_seed(11)


def save(name, sd, **kw):
    path = os.path.join(here, name + ".pth")
    torch.save(sd, path, **kw)
    back = torch.load(path, map_location="cpu", weights_only=False)
    expected = {k: {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""),
                    "values": v.to(torch.float64).flatten().tolist()} for k, v in back.items()}
    with open(os.path.join(here, name + ".expected.json"), "w") as f:
        json.dump({"torch": torch.__version__, "keys": list(back.keys()), "tensors": expected}, f)


base = torch.randn(3, 8, generator=g)
save("protocol2-float32", collections.OrderedDict([("circuit.layer_list.0.model.param", base.clone())]))
save("protocol4-float32", collections.OrderedDict([("circuit.layer_list.0.model.param", base.clone()),
                                                   ("circuit.layer_list.1.model.param", base.clone() * 2)]),
     pickle_protocol=4)
save("protocol4-float16", {"circuit.layer_list.0.model.param": base.to(torch.float16)}, pickle_protocol=4)
save("protocol4-bfloat16", {"circuit.layer_list.0.model.param": base.to(torch.bfloat16)}, pickle_protocol=4)
save("protocol4-float64", {"circuit.layer_list.0.model.param": base.to(torch.float64)}, pickle_protocol=4)
big = torch.randn(4, 10, generator=g)
# A view with a storage offset and non-contiguous strides (transposed slice), and a second view sharing storage.
save("protocol2-strided", collections.OrderedDict([("circuit.layer_list.0.model.param", big[1:, 2:].t()[:3]),
                                                   ("circuit.layer_list.1.model.param", big[2:4, :])]))
