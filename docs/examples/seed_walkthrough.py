"""The seed example beside nested torch.autograd.grad
===================================================

Every partial of ``f(x, y) = (x + 2y)^3`` at (4, 3) up to order 2, from one
jet; then the same numbers from torch by nesting ``autograd.grad`` with
``create_graph=True`` (skipped when torch is not installed).  The closed
forms: f = 1000, (300, 600), [[60, 120], [120, 240]].
"""

import jets

x, y = jets.variables([4.0, 3.0], order=2)
f = (x + 2 * y) ** 3
print("value", float(f.value), "gradient", f.gradient().tolist(), "Hessian", f.hessian().tolist())
assert float(f.value) == 1000.0
assert f.gradient().tolist() == [300.0, 600.0]
assert f.hessian().tolist() == [[60.0, 120.0], [120.0, 240.0]]

try:
    import torch
except ImportError:
    torch = None
    print("torch is not installed: the torch half is skipped")

if torch is not None:
    tx = torch.tensor(4.0, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    tf = (tx + 2 * ty) ** 3
    gx, gy = torch.autograd.grad(tf, (tx, ty), create_graph=True)  # one reverse pass
    hxx, hxy = torch.autograd.grad(gx, (tx, ty), retain_graph=True)  # and one per row
    hyx, hyy = torch.autograd.grad(gy, (tx, ty))
    H = [[hxx.item(), hxy.item()], [hyx.item(), hyy.item()]]
    print("torch gradient", [gx.item(), gy.item()], "Hessian", H)
    assert H == f.hessian().tolist()
