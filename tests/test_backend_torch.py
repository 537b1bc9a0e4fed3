"""jets on torch tensors: the derivative checks of the corpus (sympy) and the
identities of the property tests, rerun on torch CPU tensors in float64 and
float32; results keep the library, device and dtype of the input; mixing
libraries is a TypeError naming both; nan poisons as on numpy; and torch
autograd through jets matches nested torch.func (docs/backends.md).

Functions that are numpy-only on torch (jets.engine.FOREIGN_RULES lists the
others) must raise the TypeError that says so; corpus entries and identities
that use one are skipped, each with that reason.
"""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install 'jets[torch]')")
pytest.importorskip("array_api_compat", reason="array-api-compat is not installed")

import test_corpus as TC  # noqa: E402
import test_properties as TP  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import jets  # noqa: E402
from jets.engine import FOREIGN_RULES  # noqa: E402
from jets.jet import Jet  # noqa: E402

#: float32 has unit roundoff 2**-24 ~ 6e-8 against float64's 2**-53: the
#: scaled tolerances of the float64 checks (1e-10) times 2**22, i.e. about 4e-4
#: (the float64 tolerance is itself ~1e6 roundoffs; the largest float32 error
#: of the corpus at order 12 is between 2**18 and 2**22 times 1e-10), so that an
#: error of a few percent still fails
F32_FACTOR = 2.0**22
#: the identities draw jets with values down to 0.2 next to O(1) coefficients
#: (log divides by the value at every degree: 5**7 amplification at total
#: degree 7), so they get the full ratio of the two unit roundoffs, 2**29
#: (1e-10 is ~9e5 float64 roundoffs; this is as many float32 ones, ~0.05)
F32_IDENTITY_FACTOR = 2.0**29

DTYPES = [torch.float64, torch.float32]

#: corpus entries whose float32 error exceeds F32_FACTOR for a reason of float32
#: itself, with the extra factor they get: erfc(x) exp(x^2) at x = 1, order 12
#: is a product of a decaying and a growing series whose degree-12 terms cancel
#: (0.4% off in torch float32, whose erfc is computed in float32; 0.2% off on
#: the numpy float32 path, whose scipy erfc is computed in double)
F32_EXTRA = {"erfc(x) exp(x^2)": 2.0**4}


def _not_on_torch(exc):
    return isinstance(exc, TypeError) and "is not available for torch" in str(exc)


def _to_numpy_jet(j):
    """A torch-backed jet as a numpy-backed one of the same space (for the checks)."""
    return Jet._wrap(j.space, j._coeffs.detach().cpu().numpy().astype(np.float64), j._vars)


def _to_torch_jet(j, dtype):
    return Jet._wrap(j.space, torch.as_tensor(np.array(j._coeffs), dtype=dtype), j._vars)


# ------------------------------------------------------------ corpus (sympy)
def _torch_partials(dtype):
    def partials(case, order, points):
        cols = [torch.tensor([p[i] for p in points], dtype=dtype) for i in range(case.nvars)]
        if len(points) == 1:
            cols = [c[0] for c in cols]
        f = case.fn(TC.JET, *jets.variables(cols, order))
        assert isinstance(f._coeffs, torch.Tensor) and f._coeffs.dtype == dtype
        got = f.partials()
        return f.space, {a: v.detach().cpu().numpy().astype(np.float64) for a, v in got.items()}

    return partials


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("case", TC.CORPUS, ids=[c.id for c in TC.CORPUS])
def test_corpus_partials_on_torch(case, dtype, monkeypatch):
    monkeypatch.setattr(TC, "_jet_partials", _torch_partials(dtype))
    # the float64 numpy report (test_corpus.test_report) must not see these
    monkeypatch.setattr(
        TC, "_STATS", {"cases": 0, "partials": 0, "worst": (0.0, None), "worst_rel": (0.0, None)}
    )
    if dtype == torch.float32:
        monkeypatch.setattr(TC, "RTOL", TC.RTOL * F32_FACTOR * F32_EXTRA.get(case.id, 1))
    try:
        TC.check_against(case, case.order, case.points, "torch batch")
        TC.check_against(case, case.order, case.points[:1], "torch scalar")
    except TypeError as exc:
        if _not_on_torch(exc):
            pytest.skip(str(exc))
        raise


# ------------------------------------------------------- identities (hypothesis)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("ident", TP.IDENTITIES, ids=[i[0] for i in TP.IDENTITIES])
@TP.SETTINGS
@given(data=st.data())
def test_identity_on_torch(ident, dtype, data):
    name, domains, lhs, rhs = ident
    S = data.draw(TP.spaces(), label="space")
    shape = data.draw(TP.batch_shapes, label="shape")
    args = [
        _to_torch_jet(data.draw(TP.random_jet(S, shape, lo, hi), label=f"arg{i}"), dtype)
        for i, (lo, hi) in enumerate(domains)
    ]
    try:
        got, want = lhs(*args), rhs(*args)
    except TypeError as exc:
        if _not_on_torch(exc):
            return  # a numpy-only function (listed in docs/backends.md)
        raise
    for r in (got, want):
        if isinstance(r, Jet):
            assert isinstance(r._coeffs, torch.Tensor) and r._coeffs.dtype == dtype, name
    want = _to_numpy_jet(want) if isinstance(want, Jet) else want
    rtol = TP.RTOL * (F32_IDENTITY_FACTOR if dtype == torch.float32 else 1)
    TP.assert_jets_close(_to_numpy_jet(got), want, rtol=rtol, what=name)


# ------------------------------------------------------------ results stay put
def f2(v):
    return jets.sin(v[0] * v[1]) + v[0] ** 3 + jets.exp(v[1]) / (1 + v[0] ** 2)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize(
    "name", ["gradient", "jacobian", "hessian", "laplacian", "value_grad_hessian"]
)
def test_api_returns_tensors_of_the_input(name, dtype):
    x = torch.tensor([[0.3, 0.7, -1.25], [0.1, 0.2, 2.0]], dtype=dtype)
    got = getattr(jets, name)(f2, x)
    want = getattr(jets, name)(f2, x.double().numpy())
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    tol = 1e-13 if dtype == torch.float64 else 1e-4
    for g, w in zip(got, want, strict=True):
        assert isinstance(g, torch.Tensor) and g.dtype == dtype and g.device == x.device
        np.testing.assert_allclose(g.numpy(), w, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_derivatives_and_taylor_of_one_variable(dtype):
    x = torch.tensor([0.25, -0.5, 1.5], dtype=dtype)
    d = jets.derivatives(lambda t: jets.exp(2 * t), x, 5)
    assert isinstance(d, torch.Tensor) and d.dtype == dtype and d.shape == (6, 3)
    xn = x.double().numpy()
    want = np.array([2.0**k * np.exp(2 * xn) for k in range(6)])  # d^k exp(2x) = 2^k exp(2x)
    tol = 1e-13 if dtype == torch.float64 else 1e-5
    np.testing.assert_allclose(d.numpy(), want, rtol=tol)
    c = jets.taylor(jets.sin, x, 7)  # order > 4: a scaled seeding, read back exactly
    want = np.array([np.sin(xn + k * np.pi / 2) / math.factorial(k) for k in range(8)])
    assert isinstance(c, torch.Tensor) and c.dtype == dtype
    np.testing.assert_allclose(c.numpy(), want, rtol=tol, atol=tol)


def test_jet_reads_are_tensors():
    x, y = jets.variables([torch.tensor([1.0, 2.0], dtype=torch.float64), 3.0], order=2)
    f = (x + 2 * y) ** 3
    for r in (f.coeffs, f.value, f.gradient(), f.hessian(), f.partial((1, 1))):
        assert isinstance(r, torch.Tensor) and r.dtype == torch.float64
    xn = np.array([1.0, 2.0])
    np.testing.assert_allclose(f.value.numpy(), (xn + 6) ** 3)
    np.testing.assert_allclose(f.hessian().numpy()[0, 1], 12 * (xn + 6))
    t = jets.variable(torch.tensor(0.5, dtype=torch.float32), 3)
    assert jets.sin(t).derivatives().dtype == torch.float32


def test_integer_points_give_float64():
    d = jets.derivative(lambda t: t**2, torch.tensor([1, 2]), 1)
    assert d.dtype == torch.float64 and d.tolist() == [2.0, 4.0]


# ------------------------------------------------------------------- mixing
def test_numpy_jet_with_torch_jet_is_a_type_error_naming_both():
    a = jets.variable(np.array([1.0, 2.0]), 2)
    b = jets.variable(torch.tensor([1.0, 2.0], dtype=torch.float64), 2)
    with pytest.raises(TypeError, match=r"numpy.*torch|torch.*numpy"):
        a + b


def test_numpy_array_constant_with_torch_jet_is_a_type_error():
    b = jets.variable(torch.tensor([1.0, 2.0], dtype=torch.float64), 2)
    with pytest.raises(TypeError, match="numpy"):
        b * np.array([1.0, 2.0])
    with pytest.raises(TypeError, match=r"numpy.*torch|torch.*numpy"):
        jets.variables([np.array([1.0, 2.0]), torch.tensor([1.0, 2.0])], 2)


def test_two_devices_are_a_type_error_naming_both():
    # the meta device holds no data: enough to see the devices refused
    with pytest.raises(TypeError, match=r"cpu.*meta|meta.*cpu"):
        jets.variables([torch.zeros(2), torch.zeros(2, device="meta")], 2)


def test_constants_of_the_same_library_broadcast():
    x = jets.variable(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), 2)
    w = torch.tensor([[1.0], [2.0]], dtype=torch.float64)  # (2, 1) with (3,): (2, 3)
    f = w * jets.sin(x) + 1.5
    assert f.shape == (2, 3)
    xn = np.array([1.0, 2.0, 3.0])
    wn = np.array([[1.0], [2.0]])
    np.testing.assert_allclose(f.value.numpy(), wn * np.sin(xn) + 1.5, rtol=1e-15)
    np.testing.assert_allclose(f.derivatives().numpy()[2], -wn * np.sin(xn), rtol=1e-15)


def test_numpy_only_functions_say_so():
    x = jets.variable(torch.tensor([0.5], dtype=torch.float64), 2)
    with pytest.raises(TypeError, match=r"jets.jv is not available for torch.*scipy"):
        jets.jv(0, x)
    with pytest.raises(TypeError, match=r"jets.expi is not available for torch.*scipy"):
        jets.expi(x)
    with pytest.raises(TypeError, match=r"jets.jv is not available for torch"):
        jets.jv(1.5, x)
    with pytest.raises(TypeError, match="track_error=True is numpy-only"):
        jets.variable(torch.tensor([0.5]), 2, track_error=True)


# --------------------------------------------------------------------- nan
def test_nan_poisons_every_coefficient():
    x = torch.tensor([0.5, float("nan"), -1.0], dtype=torch.float64)
    d = jets.derivatives(lambda t: jets.log(2 + jets.sin(t)), x, 4)
    assert torch.isnan(d[:, 1]).all()
    assert torch.isfinite(d[:, [0, 2]]).all()
    d = jets.derivatives(lambda t: jets.sqrt(t), torch.tensor([-1.0, 4.0]), 3)  # outside
    assert torch.isnan(d[:, 0]).all() and d[0, 1] == 2.0


def test_sqrt_at_zero_as_numpy():
    got = jets.derivatives(jets.sqrt, torch.tensor([0.0, 1.0], dtype=torch.float64), 3)
    want = jets.derivatives(jets.sqrt, np.array([0.0, 1.0]), 3)
    np.testing.assert_array_equal(got.numpy(), want)


# ------------------------------------------------------------------ autograd
def test_hessian_is_differentiable_by_torch():
    w = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    X = torch.tensor([[0.4, 0.9, -0.3], [0.2, -0.5, 1.1]], dtype=torch.float64)
    H = jets.hessian(lambda v: jets.sin(v[0] * w) * v[1], X)
    H.sum().backward()

    def hsum(w):
        one = torch.func.hessian(lambda x: torch.sin(x[0] * w) * x[1])
        return torch.func.vmap(one, in_dims=1)(X).sum()

    want = torch.func.grad(hsum)(w.detach())
    assert abs(float(w.grad) - float(want)) <= 1e-12 * max(1.0, abs(float(want)))


def _mlp(p, v):
    """The docs' network: a tanh layer of p["W1"] (H, 2), p["b1"] (H,), output p["W2"] (H,)."""
    col = (-1,) + (1,) * v[0].ndim
    h = jets.tanh(
        p["W1"][:, 0].reshape(col) * v[0] + p["W1"][:, 1].reshape(col) * v[1] + p["b1"].reshape(col)
    )
    return (p["W2"].reshape(col) * h).sum(axis=0)


def test_physics_informed_loss_matches_nested_torch_func():
    g = torch.Generator().manual_seed(0)
    H = 8
    p = {
        "W1": torch.randn(H, 2, dtype=torch.float64, generator=g),
        "b1": torch.randn(H, dtype=torch.float64, generator=g),
        "W2": torch.randn(H, dtype=torch.float64, generator=g),
    }
    X = torch.rand(2, 32, dtype=torch.float64, generator=g)
    f = torch.sin(torch.pi * X[0]) * torch.sin(torch.pi * X[1])

    def loss_jets(p):
        lap = jets.laplacian(lambda v: _mlp(p, v), X)
        return ((lap - f) ** 2).mean()

    def u(p, x):
        return p["W2"] @ torch.tanh(p["W1"] @ x + p["b1"])

    def loss_func(p):
        hess = torch.func.vmap(torch.func.hessian(u, argnums=1), in_dims=(None, 1))(p, X)
        return ((hess.diagonal(dim1=-2, dim2=-1).sum(-1) - f) ** 2).mean()

    got = torch.func.grad(loss_func)(p)  # the reference: nested torch.func
    q = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    loss = loss_jets(q)
    loss.backward()
    assert abs(float(loss) - float(loss_func(p))) <= 1e-12 * float(loss_func(p))
    for k in p:
        scale = max(1.0, float(got[k].abs().max()))
        assert float((q[k].grad - got[k]).abs().max()) <= 1e-12 * scale, k


def test_docs_list_the_functions_that_run_on_torch():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "backends.md").read_text()
    listed = text.split("<!-- foreign-rules -->")[1].split("<!-- /foreign-rules -->")[0]
    assert {w.strip() for w in listed.replace("\n", " ").split(",")} == set(FOREIGN_RULES)


def test_index_tables_are_converted_once_per_table_and_device():
    from jets import backend as B

    x = torch.tensor([[0.3, 0.7], [0.1, 0.2], [0.5, -0.5]], dtype=torch.float64)
    jets.hessian(f2, x)
    before = len(B._INDEX)
    jets.hessian(f2, x)
    assert len(B._INDEX) == before


def test_the_numpy_path_never_asks_array_api_compat(monkeypatch):
    from jets import backend as B

    def refuse():
        raise AssertionError("array-api-compat was called on the numpy path")

    monkeypatch.setattr(B, "_compat", refuse)
    x = np.array([[0.3, 0.7], [0.1, 0.2]])
    assert jets.hessian(f2, x).shape == (2, 2, 2)
    t = jets.variable(np.float32(0.5), 6)
    assert jets.sqrt(jets.exp(t) + jets.arcsin(t / 2)).derivatives().dtype == np.float32


def test_abs_on_torch_as_on_numpy_also_at_ties():
    import warnings

    from jets.rules import OneSidedWarning

    pts = [-1.5, 0.0, 2.0, 0.0]

    def f(v):  # a tie with a definite side (x**2 - y**2 at x = 1, y = 0... and kinks)
        return abs(v[0] * v[1] - v[1] ** 2 * 0.5) + abs(v[0])

    xn = np.array([pts, [0.0, 0.0, 1.0, 0.5]])
    with warnings.catch_warnings(record=True) as wn:
        warnings.simplefilter("always", OneSidedWarning)
        want = jets.hessian(f, xn)
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always", OneSidedWarning)
        got = jets.hessian(f, torch.tensor(xn))
    assert isinstance(got, torch.Tensor)
    np.testing.assert_array_equal(got.numpy(), want)
    assert [str(w.message) for w in wt] == [str(w.message) for w in wn]
    d = jets.derivatives(lambda t: abs(t**2 - 1), torch.tensor([-2.0, 0.5, 3.0]), 3)
    x = np.array([-2.0, 0.5, 3.0])
    s = np.sign(x**2 - 1)
    np.testing.assert_allclose(d.numpy(), [s * (x**2 - 1), s * 2 * x, s * 2, 0 * x])


#: the expressions of test_properties that run on torch (all of them: erf and
#: lgamma too, through torch.special)
TORCH_EXPRESSIONS = TP.EXPRESSIONS


def _tvars(point, order):
    return list(jets.variables([torch.tensor(p, dtype=torch.float64) for p in point], order))


@TP.SETTINGS
@given(data=st.data())
def test_total_and_per_variable_orders_agree_on_torch(data):
    n = data.draw(st.integers(1, 3), label="nvars")
    k = data.draw(st.integers(0, 5), label="total order")
    caps = tuple(data.draw(st.integers(0, 4), label="cap") for _ in range(n))
    point = [data.draw(st.floats(-1, 1), label="x0") for _ in range(n)]
    name, f = data.draw(st.sampled_from(TORCH_EXPRESSIONS), label="f")
    a, b = f(_tvars(point, k)), f(_tvars(point, caps))
    common = [al for al in a.space.index if al in b.space.index]
    ca = np.array([float(a.coefficient(al)) for al in common])
    cb = np.array([float(b.coefficient(al)) for al in common])
    scale = max(1.0, np.abs(ca).max(), np.abs(cb).max())
    assert np.all(np.abs(ca - cb) <= TP.RTOL * scale), (name, k, caps, point)


@TP.SETTINGS
@given(data=st.data())
def test_batch_equals_point_by_point_on_torch(data):
    S = data.draw(TP.spaces(), label="space")
    m = data.draw(st.integers(1, 4), label="points")
    pts = np.array(
        [[data.draw(st.floats(-1, 1)) for _ in range(m)] for _ in range(S.nvars)], dtype=float
    )
    name, f = data.draw(st.sampled_from(TORCH_EXPRESSIONS), label="f")
    batch = f(_tvars(list(pts), S.order))
    assert tuple(batch.shape) == (m,)
    for i in range(m):  # a loop over points, in a test only
        one = f(_tvars(list(pts[:, i]), S.order))
        np.testing.assert_allclose(
            batch.coeffs[:, i].numpy(), one.coeffs.numpy(), rtol=1e-13, atol=1e-13, err_msg=name
        )


def test_comparisons_of_torch_jets_are_torch_bools():
    w = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    x = jets.variable(torch.tensor([1.0, -1.0, 0.0], dtype=torch.float64), 2) * w
    for got, want in [(x > 0, [True, False, False]), (x <= 0, [False, True, True])]:
        assert isinstance(got, torch.Tensor) and got.dtype == torch.bool
        assert got.tolist() == want


def test_missing_coefficients_are_zero_tensors():
    x, y = jets.variables([torch.tensor([1.0, 2.0], dtype=torch.float64), 3.0], order=2)
    c = (x * 2).coefficient((0, 1))  # x does not depend on y
    assert isinstance(c, torch.Tensor) and c.tolist() == [0.0, 0.0]


# ------------------------------------- more of the table on torch, as on numpy
def _same_as_numpy(f, *cols, order=5, exact=False):
    """f's derivatives (one variable: the first column; the others are constants)
    on torch float64 and float32 against the numpy path: float64 to 1e-13 of the
    point's largest coefficient (bit-for-bit when `exact`), float32 to the file's
    float32 tolerance; nan at the same places, the same warnings; the result a
    tensor of the input's dtype."""
    import warnings

    def run(lib_cols):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            d = jets.derivatives(lambda t: f(t, *lib_cols[1:]), lib_cols[0], order)
        return d, [str(m.message) for m in w]

    for dtype in DTYPES:
        # the numpy reference at the points as rounded to dtype (erfinv near 1)
        np_dtype = np.float64 if dtype == torch.float64 else np.float32
        want, wmsg = run([np.asarray(c, dtype=np_dtype).astype(float) for c in cols])
        got, gmsg = run([torch.tensor(c, dtype=dtype) for c in cols])
        assert isinstance(got, torch.Tensor) and got.dtype == dtype
        g = got.detach().numpy().astype(np.float64)
        ok = np.isfinite(want)  # nan and +-inf at the same places
        np.testing.assert_array_equal(np.where(ok, 0, g), np.where(ok, 0, want))
        if dtype == torch.float64:
            assert gmsg == wmsg
            if exact:
                np.testing.assert_array_equal(g, want)
            # per point, the largest coefficient (gamma at -1/2: the odd
            # derivatives are small differences of large products)
            scale = np.maximum(1.0, np.abs(np.where(ok, want, 0)).max(axis=0))
            assert np.all(np.abs(np.where(ok, g - want, 0)) <= 1e-13 * scale), (g, want)
        else:
            tol = TC.RTOL * F32_FACTOR
            scale = np.maximum(1.0, np.abs(np.where(ok, want, 0)).max(axis=0))
            assert np.all(np.abs(np.where(ok, g - want, 0)) <= tol * scale), (g, want)


_PTS = [-3.0, -2.5, -1.0, -0.5, 0.0, 0.25, 1.0, 1.5, 2.0, 3.7, float("nan")]


@pytest.mark.parametrize(
    "name, f",
    [
        ("sinpi", lambda t: jets.sinpi(t)),
        ("cospi", lambda t: jets.cospi(t)),
        ("sinc", lambda t: jets.sinc(t)),
        ("expit", lambda t: jets.expit(2 * t)),
        ("sigmoid", lambda t: jets.sigmoid(t)),
        ("logaddexp", lambda t: jets.logaddexp(t, 1 - t)),
        ("logaddexp2", lambda t: jets.logaddexp2(2 * t, 0.5)),
    ],
)
def test_smooth_functions_on_torch_as_on_numpy(name, f):
    _same_as_numpy(f, _PTS)


def test_sinpi_cospi_sinc_exact_at_integers_and_half_integers_on_torch():
    x = torch.tensor([-2.0, -1.5, 0.0, 0.5, 1.0, 3.0], dtype=torch.float64)
    xn = x.numpy()
    for f, ref in [(jets.sinpi, np.sin), (jets.cospi, np.cos)]:
        v = f(jets.variable(x, 2)).value.numpy()
        np.testing.assert_array_equal(v, np.round(ref(np.pi * xn)) + 0.0)
    v = jets.sinc(jets.variable(x, 2)).value.numpy()
    np.testing.assert_array_equal(v[[0, 2, 4, 5]], [0.0, 1.0, 0.0, 0.0])


def test_logit_on_torch_as_on_numpy():
    _same_as_numpy(jets.logit, [0.05, 0.25, 0.5, 0.75, 0.99, float("nan")])
    x = np.array([-0.5, 0.0, 1.5])  # outside (0, 1) and its end point, as on numpy
    got = jets.derivatives(jets.logit, torch.tensor(x), 2).numpy()
    np.testing.assert_array_equal(got, jets.derivatives(jets.logit, x, 2))


_UNIT = [-1.0, -0.999, -0.5, 0.0, 0.3, 0.9, 0.999999, 1.0, float("nan")]
#: poles of lgamma/digamma/gamma (0, -0, -1, -3), the reflection side (< 1/2), a nan
_GAMMA_PTS = [-3.0, -2.5, -1.0, -0.5, 0.0, -0.0, 0.25, 1.0, 1.5, 2.0, 3.7, 10.0, float("nan")]


@pytest.mark.parametrize(
    "name, f, pts",
    [
        ("erf", jets.erf, _PTS),
        ("erfc", jets.erfc, _PTS + [6.0, 27.0]),
        ("erfinv", jets.erfinv, _UNIT),  # +-1: +-inf, then nan, as on numpy
        ("erfcx", jets.erfcx, _PTS + [0.5, 0.75, 30.0]),  # forwards / backwards sides
        ("lgamma", jets.lgamma, _GAMMA_PTS),
        ("digamma", jets.digamma, _GAMMA_PTS),
        ("gamma", jets.gamma, _GAMMA_PTS + [-0.001, 30.5]),
        ("polygamma 1", lambda t: jets.polygamma(1, t), _GAMMA_PTS + [float("inf")]),
        ("polygamma 3", lambda t: jets.polygamma(3, t), _GAMMA_PTS),
    ],
)
def test_special_functions_on_torch_as_on_numpy(name, f, pts):
    _same_as_numpy(f, pts)


def test_gamma_value_on_torch_matches_scipy():
    sc = pytest.importorskip("scipy.special")
    from jets import backend as B

    x = np.array([-170.5, -3.5, -2.5, -1.0, -0.5, -1e-300, -0.0, 0.0, 0.25, 1.5, 10.0])
    x = np.concatenate([x, [50.0, 171.5, 172.0, 200.0, np.inf, -np.inf, np.nan]])
    got = B.special("gamma", torch.tensor(x))(torch.tensor(x)).numpy()
    want = sc.gamma(x)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    fin = np.isfinite(want)
    np.testing.assert_array_equal(np.sign(got[fin]), np.sign(want[fin]))
    # exp(gammaln(x)) loses |gammaln(x)| ulps: ~710 at the overflow end
    assert np.all(np.abs(got[fin] - want[fin]) <= 1e-12 * np.abs(want[fin]))
    g = B.special("polygamma", torch.tensor(x))
    for n in range(5):
        ok = x > 0
        np.testing.assert_allclose(
            g(n, torch.tensor(x[ok])).numpy(), sc.polygamma(n, x[ok]), rtol=1e-14
        )


def test_hessian_of_erf_is_differentiable_by_torch():
    w = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    X = torch.tensor([[0.4, 0.9, -0.3], [0.2, -0.5, 1.1]], dtype=torch.float64)
    H = jets.hessian(lambda v: jets.erf(v[0] * w) * v[1], X)
    (gw,) = torch.autograd.grad(H.sum(), w)

    def hsum(w):
        one = torch.func.hessian(lambda x: torch.special.erf(x[0] * w) * x[1])
        return torch.func.vmap(one, in_dims=1)(X).sum()

    want = torch.func.grad(hsum)(w.detach())
    assert abs(float(gw) - float(want)) <= 1e-12 * max(1.0, abs(float(want)))


def test_hessian_of_lgamma_is_differentiable_by_torch():
    # against mpmath: torch.func's own reference would use torch's trigamma
    # (torch.special.polygamma(1, .)), which is only ~5e-10 accurate
    mpmath = pytest.importorskip("mpmath")
    w = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    xs = ["0.4", "0.9", "1.3"]
    X = torch.tensor([[float(x) for x in xs]], dtype=torch.float64)
    H = jets.hessian(lambda v: jets.lgamma(v[0] * w + 1), X)
    (gw,) = torch.autograd.grad(H.sum(), w)
    # d/dw sum_x w^2 psi1(w x + 1) = sum_x 2 w psi1(w x + 1) + w^2 x psi2(w x + 1)
    wm = mpmath.mpf("1.7")
    want = sum(
        2 * wm * mpmath.psi(1, wm * x + 1) + wm**2 * x * mpmath.psi(2, wm * x + 1)
        for x in map(mpmath.mpf, xs)
    )
    assert abs(float(gw) - float(want)) <= 1e-12 * abs(float(want))


def test_special_functions_on_cupy_like_arrays_say_so():
    from jets import backend as B

    with pytest.raises(TypeError, match="scipy.special.jv is not available for torch"):
        B.special("jv", torch.zeros(2))


# ------------------------------------------------------- non-smooth functions
#: points with ties, kinks, flat series and nan: columns (x, y) of a 2-variable Hessian
_KINK_X = np.array(
    [
        [-1.5, 0.0, 2.0, 0.0, 1.0, 3.0, float("nan"), 0.5, -2.0, 1.0, -1.0],
        [0.0, 0.0, 1.0, 0.5, 1.0, 3.0, 1.0, 0.5, -2.0, 0.0, 1.0],
    ]
)


@pytest.mark.parametrize(
    "name, f",
    [
        ("maximum", lambda v: jets.maximum(v[0], v[1]) + jets.maximum(v[0] * v[1], 0.0)),
        ("maximum of squares", lambda v: jets.maximum(v[0] ** 2, v[1] ** 2)),
        ("minimum", lambda v: jets.minimum(v[0] ** 2, v[1] ** 2) * jets.minimum(v[0], 1.0)),
        ("clip", lambda v: jets.clip(v[0] * v[1], -1.0, 1.0) + jets.clip(v[0], v[1], 2.0)),
        ("floor, ceil", lambda v: jets.floor(v[0] + v[1] ** 2) + jets.ceil(v[0] * v[1])),
        ("trunc, sign", lambda v: jets.trunc(v[0] - v[1] ** 2) * jets.sign(v[0] - v[1])),
        ("rint", lambda v: jets.rint(v[0] + 0.5) + jets.rint(v[1] ** 2 / 2 + 0.5)),
    ],
)
def test_non_smooth_functions_on_torch_as_on_numpy_also_at_ties(name, f):
    import warnings

    def run(X):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = jets.hessian(f, X)
        return r, [str(m.message) for m in w]

    want, wn = run(_KINK_X)
    got, wt = run(torch.tensor(_KINK_X))
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    np.testing.assert_array_equal(got.numpy(), want)  # bit for bit, nan where numpy's
    assert wt == wn, name
    got32, _ = run(torch.tensor(_KINK_X, dtype=torch.float32))
    want32, _ = run(_KINK_X.astype(np.float32))
    assert got32.dtype == torch.float32
    np.testing.assert_allclose(got32.numpy(), want32, rtol=1e-6, atol=1e-6)


def test_steps_and_sign_of_one_variable_on_torch_as_on_numpy():
    pts = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.5, 3.0, float("nan")]
    for f in (jets.floor, jets.ceil, jets.trunc, jets.rint, jets.sign):
        _same_as_numpy(f, pts, exact=True)  # the jumps: nan derivatives (flat series)
        _same_as_numpy(lambda t, f=f: f(t**3 + t), pts, exact=True)
    _same_as_numpy(lambda t: jets.floor(1 + (t - 1) ** 2), pts, exact=True)  # kept side
    _same_as_numpy(lambda t: jets.maximum(t, 1.0), pts, exact=True)
    _same_as_numpy(lambda t: jets.clip(t**2, 0.25, 4.0), pts, exact=True)


def test_non_smooth_values_of_constants_on_torch_as_on_numpy():
    # order 0: the engine's value-only path (rule.value through backend.ufunc)
    x = np.array([-1.5, -0.0, 0.0, 2.5, 3.0, float("nan")])
    t = torch.tensor(x)
    for name in ("sign", "floor", "ceil", "trunc", "rint"):
        got = getattr(jets, name)(jets.variable(t, 0)).value
        np.testing.assert_array_equal(got.numpy(), getattr(np, name)(x), err_msg=name)
    got = jets.maximum(jets.variable(t, 0), 0.5).value.numpy()
    np.testing.assert_array_equal(got, np.maximum(x, 0.5))
    got = jets.clip(jets.variable(t, 0), -1.0, 2.0).value.numpy()
    np.testing.assert_array_equal(got, np.clip(x, -1.0, 2.0))


def test_hessian_through_maximum_is_differentiable_by_torch():
    w = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    X = torch.tensor([[0.4, 0.9, -0.3], [0.2, -0.5, 1.1]], dtype=torch.float64)
    H = jets.hessian(lambda v: jets.maximum(jets.sin(v[0] * w), v[1] ** 2 * w), X)
    (gw,) = torch.autograd.grad(H.sum(), w)

    def hsum(w):
        one = torch.func.hessian(lambda x: torch.maximum(torch.sin(x[0] * w), x[1] ** 2 * w))
        return torch.func.vmap(one, in_dims=1)(X).sum()

    want = torch.func.grad(hsum)(w.detach())
    assert abs(float(gw) - float(want)) <= 1e-12 * max(1.0, abs(float(want)))


def test_polygamma_with_a_batch_of_orders_on_torch_as_on_numpy():
    x = np.array([-2.5, -1.0, 0.0, 0.25, 1.0, 1.5, 3.7, 10.0, float("inf"), float("nan")])
    n = np.array([0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0, 3.0, 1.0, 2.0])
    _same_as_numpy(lambda t, n: jets.polygamma(n, t), x, n, order=4)
    t = jets.variable(torch.tensor([0.5], dtype=torch.float64), 2)
    with pytest.raises(ValueError, match="nonnegative integer"):
        jets.polygamma(1.5, t)
    # order 0 (the value only, no order check): nan off the integer orders, as scipy
    m = np.array([1.5, -1.0, 2.0, float("nan")])
    v = np.array([0.5, 0.5, 0.5, 0.5])
    want = jets.polygamma(m, jets.variable(v, 0)).value
    got = jets.polygamma(torch.tensor(m), jets.variable(torch.tensor(v), 0)).value
    np.testing.assert_array_equal(got.numpy(), want)
    for k in (1.5, -1.0, 2.0):
        want = jets.polygamma(k, jets.variable(v, 0)).value
        got = jets.polygamma(k, jets.variable(torch.tensor(v), 0)).value
        np.testing.assert_array_equal(got.numpy(), want)
