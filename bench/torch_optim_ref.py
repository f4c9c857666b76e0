#!/usr/bin/python3
"""Reference trajectories of PyTorch's optimizers for ad's optimizer tests.

Prints the parameters after each of three steps of torch.optim.Adam and
torch.optim.SGD (momentum, weight decay) from p0 with the given gradients,
in float64. ad/optim_test.go (extTorch) holds the output of this script.
Run with Debian's interpreter: /usr/bin/python3 bench/torch_optim_ref.py
"""
import torch

torch.set_default_dtype(torch.float64)
p0 = [0.5, -1.5, 2.0, 0.0]
grads = [[0.1, -2.0, 3.0, 0.0], [0.3, 1.0, -0.5, 1e-3], [-0.2, 0.5, 0.25, -4.0]]
optimizers = [
    ("Adam(lr=0.1)", lambda ps: torch.optim.Adam(ps, lr=0.1)),
    ("Adam(lr=0.1, weight_decay=0.01)", lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=0.01)),
    ("SGD(lr=0.1, momentum=0.9)", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    ("SGD(lr=0.1, momentum=0.9, weight_decay=0.01)",
     lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01)),
]
print("torch", torch.__version__)
for name, make in optimizers:
    p = torch.nn.Parameter(torch.tensor(p0))
    opt = make([p])
    print(name)
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        print("  {" + ", ".join(repr(float(v)) for v in p.detach()) + "},")
