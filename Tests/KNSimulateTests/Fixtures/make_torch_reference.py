#!/usr/bin/env python3
"""Writes checkpoints shaped like upstream's held-back ones, and their outputs computed by PyTorch itself.

Each case in torch-reference/<name>/ has config.yaml (upstream layout), model.pth (torch.save of the state dict,
random parameters) and expected.json: node voltages after every layer (and the log-density for augmented
networks), forward and reverse, from a float64 PyTorch re-statement of upstream's CircuitLayer / CircuitBlock /
AugCircuitBlock (gather, activation, scatter_add_, log-density trace by autograd) integrated with torchdiffeq's
dopri5 at rtol = atol = 1e-12. The cases cover what the three shipped checkpoints do not: ShiftTanh1 over 16
layers with anchors 0.1 apart (like potential1), a _mix_connect with 3×3 neighbourhoods and no hidden nodes
(like genmnist), the relu/leaky/conductance/Device families, fill: repeat, residual and a firstK projector.

Run with a Python that has torch and torchdiffeq:
    python3 Tests/KNSimulateTests/Fixtures/make_torch_reference.py
"""
import json, math, os
import torch, torch.nn.functional as F, torchdiffeq, yaml

torch.set_default_dtype(torch.float64)
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch-reference")


def fully_connect(num_node, include_gnd=True, repeat=(1, 1)):
    nodes = range(0, num_node) if include_gnd else range(1, num_node + 1)
    rows = []
    for i in nodes:
        for j in nodes:
            if i != j:
                rows += [[i, j]] * repeat[0] + [[j, i]] * repeat[1]
    return rows


def mix_connect(num_channel, width, height, neighbor_size, fully_connect_node, repeat=(1, 0), kernel_repeat=1):
    img = torch.arange(1, 1 + num_channel * width * height).reshape(num_channel, width, height).unsqueeze(0).float()
    tmp = F.unfold(img, kernel_size=neighbor_size, padding=0, stride=1)
    rows = []
    for i in range(tmp.shape[2]):
        for j in range(tmp.shape[1]):
            for k in range(tmp.shape[1]):
                if j != k and int(tmp[0, j, i]) != 0 and int(tmp[0, k, i]) != 0:
                    rows += [[int(tmp[0, j, i]), int(tmp[0, k, i])]] * kernel_repeat
    m = max(max(r) for r in rows)
    for node in range(1, m + 1):
        rows += [[node, 0]] * repeat[0] + [[0, node]] * repeat[1]
    for node in range(m + 1, m + 1 + fully_connect_node):
        for i in range(m + 1):
            rows += [[i, node]] * repeat[0] + [[node, i]] * repeat[1]
    return rows


GENERATORS = {"_fully_connect": fully_connect, "_mix_connect": mix_connect}


def current(family, args, p, xs, xd):
    if family == "ShiftTanh1": return torch.tanh((xs - xd) * p[1] + p[0])
    if family == "ShiftTanh2": return torch.tanh(xs * p[0] + xd * p[1] + p[2])
    if family == "ShiftRelu1": return p[1] * F.relu(xs - xd - p[0])
    if family == "ShiftLeakyRelu1": return p[1] * F.leaky_relu(xs - xd - p[0])
    if family == "ShiftRelu2": return F.relu(xs * p[0] + xd * p[1] + p[2])
    if family == "ShiftLeakyRelu2": return F.leaky_relu(xs * p[0] + xd * p[1] + p[2])
    if family == "Conductance": return p[0] * (xs - xd)
    if family == "Device":
        act = getattr(F, args["activation"]) if args.get("activation") else (lambda x: x)
        return act(p[1] * (xs - xd) + p[0]) if args["negation"] else act(xs * p[0] + xd * p[1] + p[2])
    raise ValueError(family)


ROWS = {"ShiftRelu1": 2, "ShiftLeakyRelu1": 2}


class Layer(torch.nn.Module):
    def __init__(self, rows, family, args, param, augmented):
        super().__init__()
        t = torch.tensor(rows, dtype=torch.long)
        self.src, self.des, self.n = t[:, 0], t[:, 1], int(t.max())
        self.family, self.args, self.param, self.augmented = family, args, param, augmented

    def f(self, x):
        aux = torch.cat((torch.zeros_like(x[..., :1]), x), dim=-1)
        i = current(self.family, self.args, self.param, aux[..., self.src], aux[..., self.des])
        out = torch.cat((torch.zeros_like(x[..., :1]), torch.zeros_like(x)), dim=-1)
        out.scatter_add_(-1, self.src.expand_as(i), -i)
        out.scatter_add_(-1, self.des.expand_as(i), i)
        return out[..., 1:]

    def forward(self, t, state):
        if not self.augmented:
            return self.f(state)
        x, _ = state
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            dx = self.f(x)
            trace = sum(torch.autograd.grad(dx[:, k].sum(), x, create_graph=True)[0][:, k] for k in range(x.shape[1]))
        return dx, -trace.view(-1, 1)


def run(cfg, state, inputs, reverse):
    net, sim = cfg["network"], cfg["simulation"]
    augmented = cfg["augmented"]
    t_end = [float(v) for v in sim["t_end"]]
    fam, fargs = net["model"]["name"], net["model"]["args"]
    layers = [Layer(GENERATORS[s["name"]](**s["args"]), fam, fargs,
                    state[f"circuit.layer_list.{l}.model.param"].to(torch.float64), augmented)
              for l, s in enumerate(net["net_struct"])]
    x = torch.tensor(inputs)
    logp = torch.zeros(x.shape[0], 1)
    order = range(len(layers) - 1, -1, -1) if reverse else range(len(layers))
    states, logps = [x.tolist()], [logp.flatten().tolist()]
    residual = net.get("residual")
    stored = None
    for i in order:
        layer = layers[i]
        if not augmented:
            if x.shape[-1] < layer.n:
                if net.get("fill") in ("zeros", "zero"):
                    x = torch.cat((x, torch.zeros(x.shape[0], layer.n - x.shape[1])), dim=-1)
                else:
                    x = x.repeat(1, math.ceil(layer.n / x.shape[1]))[:, :layer.n]
            elif x.shape[-1] > layer.n:
                x = x[:, :layer.n]
        elif i == 0 and x.shape[1] < layer.n:
            x = x.repeat(1, math.ceil(layer.n / x.shape[1]))[:, :layer.n]
        span = torch.tensor([0.0, t_end[i + 1] - t_end[i]])   # exact decimal spans, in float64
        if reverse:
            span = span.flip(0)
        if augmented:
            out = torchdiffeq.odeint(layer, (x, logp), span, rtol=1e-12, atol=1e-12, method="dopri5")
            x, logp = out[0][-1], out[1][-1]
        else:
            x = torchdiffeq.odeint(layer, x, span, rtol=1e-12, atol=1e-12, method="dopri5")[-1]
            if residual is not None:
                if i == residual[0]: stored = x
                if i == residual[1]: x = x + stored
        states.append(x.tolist())
        logps.append(logp.flatten().tolist())
    proj = net.get("projector")
    projected = x[..., :int(proj[5:])] if proj and proj.startswith("first") else x
    return states, logps, projected.tolist()


def case(name, cfg, inputs, seed):
    folder = os.path.join(here, name)
    if os.path.exists(os.path.join(folder, "expected.json")) and not os.environ.get("REGENERATE"):
        print(name, "exists (REGENERATE=1 to write it again)")
        return
    os.makedirs(folder, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    fam = cfg["network"]["model"]["name"]
    rows_p = ROWS.get(fam, 2 if fam == "Device" and cfg["network"]["model"]["args"].get("negation") else 3)
    state = {}
    for l, s in enumerate(cfg["network"]["net_struct"]):
        e = len(GENERATORS[s["name"]](**s["args"]))
        state[f"circuit.layer_list.{l}.model.param"] = (0.6 * torch.randn(rows_p, e, generator=g)).to(torch.float32)
    torch.save(state, os.path.join(folder, "model.pth"))
    augmented = cfg.pop("augmented")
    with open(os.path.join(folder, "config.yaml"), "w") as f:
        yaml.safe_dump(cfg, f, sort_keys=True)
    cfg["augmented"] = augmented
    expected = {"inputs": inputs}
    # Upstream cannot run a residual in reverse (the stored state is read before it is written).
    for direction in (("forward",) if cfg["network"].get("residual") else ("forward", "reverse")):
        states, logps, projected = run(cfg, state, inputs, direction == "reverse")
        # states[k][s] -> per sample, per anchor
        expected[f"outputs_{direction}"] = [[states[k][s] for k in range(len(states))] for s in range(len(inputs))]
        if augmented:
            expected[f"logp_{direction}"] = [[logps[k][s] for k in range(len(logps))] for s in range(len(inputs))]
        expected[f"projected_{direction}"] = projected
    expected["method"] = "torchdiffeq dopri5, rtol = atol = 1e-12, float64, parameters promoted from float32"
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f)
    print(name, "written")


def sim(t_end, tol="1e-3"):
    return {"first_step": "1e-2", "method": "dopri5", "min_step": "1e-5", "step_size": 1e-6, "t_end": t_end, "tol": tol}


g = torch.Generator().manual_seed(5)
two_d = (torch.randn(3, 2, generator=g)).to(torch.float32).to(torch.float64).tolist()

case("potential-like", {"augmented": True, "test_bench": "potential1", "network": {
        "model": {"name": "ShiftTanh1", "args": {}},
        "net_struct": [{"name": "_fully_connect", "args": {"num_node": 3, "repeat": [10, 10]}}] * 16},
     "simulation": sim([round(0.1 * k, 1) for k in range(17)])}, two_d, seed=1)

img = torch.rand(2, 36, generator=g).to(torch.float32).to(torch.float64).tolist()
case("genmnist-like", {"augmented": True, "test_bench": "genmnist", "network": {
        "model": {"name": "ShiftTanh1", "args": {}}, "fill": "zeros", "projector": "last10",
        "net_struct": [{"name": "_mix_connect", "args": {"num_channel": 1, "width": 6, "height": 6, "neighbor_size": 3,
                                                         "fully_connect_node": 0, "repeat": [1, 1]}}] * 2},
     "simulation": sim([0.0, 1.0, 2.0])}, img, seed=2)

for fam, args in [("ShiftLeakyRelu1", {}), ("ShiftRelu2", {}), ("ShiftLeakyRelu2", {}), ("Conductance", {}),
                  ("Device", {"negation": True, "activation": "sigmoid"}),
                  ("Device", {"negation": False, "activation": "tanh"})]:
    name = fam + ("" if not args else ("-neg" if args["negation"] else "-pos"))
    case(f"{name}-repeat", {"augmented": False, "test_bench": "mnist", "network": {
            "model": {"name": fam, "args": args}, "fill": "repeat", "projector": "first3",
            "net_struct": [{"name": "_fully_connect", "args": {"num_node": 4, "repeat": [2, 1]}},
                           {"name": "_fully_connect", "args": {"num_node": 6, "repeat": [1, 1]}},
                           {"name": "_fully_connect", "args": {"num_node": 6, "repeat": [1, 1]}}]},
         "simulation": sim([0.0, 0.3, 0.7, 1.0])}, two_d, seed=3)

case("ShiftRelu1-zeros-residual", {"augmented": False, "test_bench": "mnist", "network": {
        "model": {"name": "ShiftRelu1", "args": {}}, "fill": "zeros", "residual": [1, 2], "projector": "first3",
        "net_struct": [{"name": "_fully_connect", "args": {"num_node": 4, "repeat": [2, 1]}},
                       {"name": "_fully_connect", "args": {"num_node": 6, "repeat": [1, 1]}},
                       {"name": "_fully_connect", "args": {"num_node": 6, "repeat": [1, 1]}}]},
     "simulation": sim([0.0, 0.3, 0.7, 1.0])}, two_d, seed=4)
