#!/usr/bin/env python3
"""The mnist forward-pass benchmark: kn-map against PyTorch + torchdiffeq, on the same network and inputs.

The PyTorch side runs the network the way the upstream KirchhoffNet code does (CircuitLayer.forward: gather the
node voltages, ShiftRelu1 activation, two scatter_add_ calls; torchdiffeq odeint with dopri5 at the config's tol,
first_step and min_step; float32, batched), on torch's CPU backend with every core.
The kn-map side is `kn-map bench` on the same images (dopri5 at the same tolerance, float64, one adaptive solve
per image, images in parallel over every core). Both are timed in the same run; the ratio is what counts.

Usage: python3 Benchmarks/mnist_torch_baseline.py --kn-map .build/release/kn-map \
           --model mnist.knm --checkpoint ../shared/upstream/mnist/model.pth \
           --config ../shared/upstream/mnist/config.yaml [--batch 64]
Needs: torch, torchdiffeq, numpy, pyyaml (PyPI; outside the Swift build).
"""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np
import torch
import torch.nn.functional as F
import torchdiffeq
import yaml


def mix_connect(num_channel, width, height, neighbor_size, fully_connect_node, repeat=(1, 0), kernel_repeat=1, **_):
    """Upstream's _mix_connect (padding=False, sharing=False, parallel=1), edge order preserved."""
    img = torch.arange(1, 1 + num_channel * width * height).reshape(num_channel, width, height).unsqueeze(0).float()
    tmp = F.unfold(img, kernel_size=neighbor_size, padding=0, stride=1)
    rows = []
    for i in range(tmp.shape[2]):
        col = tmp[0, :, i].long().tolist()
        for j in range(len(col)):
            for k in range(len(col)):
                if j != k:
                    rows += [[col[j], col[k]]] * kernel_repeat
    max_node = max(max(r) for r in rows)
    for node in range(1, max_node + 1):
        rows += [[node, 0]] * repeat[0] + [[0, node]] * repeat[1]
    for node in range(max_node + 1, max_node + 1 + fully_connect_node):
        for i in range(max_node + 1):
            rows += [[i, node]] * repeat[0] + [[node, i]] * repeat[1]
    return torch.tensor(rows, dtype=torch.long)


class Layer(torch.nn.Module):
    def __init__(self, topo, param):
        super().__init__()
        self.src, self.des = topo[:, 0], topo[:, 1]
        self.n = int(topo.max())
        self.param = param
        self.nfe = 0

    def forward(self, t, x):
        self.nfe += 1
        aux = torch.cat((torch.zeros_like(x[..., :1]), x), dim=-1)
        xs, xd = aux[..., self.src], aux[..., self.des]
        cur = self.param[1] * F.relu(xs - xd - self.param[0])
        out = torch.cat((torch.zeros_like(x[..., :1]), torch.zeros_like(x)), dim=-1)
        out.scatter_add_(-1, self.src.expand_as(cur), -cur)
        out.scatter_add_(-1, self.des.expand_as(cur), cur)
        return out[..., 1:]


def torch_forward(cfg, state, images):
    sim = cfg["simulation"]
    tol, first, minstep = float(sim["tol"]), float(sim["first_step"]), float(sim["min_step"])
    anchors = [float(t) for t in sim["t_end"]]
    layers = []
    for l, spec in enumerate(cfg["network"]["net_struct"]):
        assert spec["name"] == "_mix_connect", "this baseline covers the mnist topology"
        layers.append(Layer(mix_connect(**spec["args"]), state[f"circuit.layer_list.{l}.model.param"]))
    x = torch.from_numpy(images.astype(np.float32))
    with torch.no_grad():
        for l, layer in enumerate(layers):
            if x.shape[-1] < layer.n:
                x = torch.cat((x, torch.zeros(x.shape[0], layer.n - x.shape[1])), dim=-1)
            span = torch.tensor([anchors[l], anchors[l + 1]]) - anchors[l]
            x = torchdiffeq.odeint(layer, x, span, rtol=tol, atol=tol, method="dopri5",
                                   options={"first_step": first, "min_step": minstep})[-1]
    return x[..., -10:], sum(layer.nfe for layer in layers)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kn-map", required=True)
    ap.add_argument("--model", required=True, help="mnist .knm written by kn-map import")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    images = (rng.integers(0, 256, size=(args.batch, 784), dtype=np.uint8).astype(np.float32) / np.float32(255))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "images.npy")
        np.save(path, images)
        out = subprocess.run([args.kn_map, "bench", "simulate", args.model, "--inputs", path, "--json"],
                             check=True, capture_output=True, text=True).stdout
    kn = json.loads(out)

    torch.set_num_threads(os.cpu_count())
    cfg = yaml.safe_load(open(args.config))
    state = torch.load(args.checkpoint, map_location="cpu")
    t0 = time.perf_counter()
    logits, nfe = torch_forward(cfg, state, images)
    torch_seconds = time.perf_counter() - t0
    torch_ips = args.batch / torch_seconds
    torch_rhs = nfe * args.batch / torch_seconds  # per-image right-hand-side evaluations per second

    print(f"images: {args.batch} synthetic (seed {args.seed}), dopri5 at the config tol, {os.cpu_count()} cores")
    print(f"kn-map : {kn['imagesPerSecond']:10.2f} images/s  {kn['rhsEvaluationsPerSecond']:12.1f} RHS evals/s  ({kn['seconds']:.2f} s)")
    print(f"pytorch: {torch_ips:10.2f} images/s  {torch_rhs:12.1f} RHS evals/s  ({torch_seconds:.2f} s, {nfe} batched RHS evals)")
    print(f"ratio  : {kn['imagesPerSecond'] / torch_ips:.2f}x images/s")
    kn_logits = np.array(kn["projected"])
    agree = float(np.mean(kn_logits.argmax(1) == logits.numpy().argmax(1)))
    print(f"argmax agreement between the two: {agree * 100:.1f} %")


if __name__ == "__main__":
    sys.exit(main())
