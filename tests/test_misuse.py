"""The bad-input contract: every row of the table "Misuse and what it gets" in
docs/guide.md has a test here (the test names follow the rows).

Errors must name the problem and the fix; bad input never yields a wrong
finite number silently; NaN/inf inputs propagate and never crash.
"""

import math
import operator
import time
import warnings

import numpy as np
import pytest

import jets
from jets.rules import RULES


@pytest.fixture
def x():
    return jets.variable(1.0, 2)


@pytest.fixture
def xb():
    return jets.variable(np.array([1.0, 2.0]), 2)


# --------------------------------------------------------- 1. mixing spaces
@pytest.mark.parametrize(
    "combine",
    [
        lambda a, b: a + b,
        lambda a, b: a * b,
        lambda a, b: np.maximum(a, b),
        lambda a, b: jets.arctan2(a, b),
        lambda a, b: jets.stack([a, b]),
        lambda a, b: jets.where(True, a, b),
        lambda a, b: np.concatenate([a, b]),
        lambda a, b: a @ b,
    ],
    ids=["+", "*", "maximum", "arctan2", "stack", "where", "concatenate", "matmul"],
)
@pytest.mark.parametrize(
    "other",
    [
        lambda p: jets.variable(p, 3),
        lambda p: jets.variables([p, p], 2)[0],
        lambda p: jets.variables([p, p], (2, 2))[1],
    ],
    ids=["other order", "other nvars", "caps"],
)
def test_mixing_jet_spaces(combine, other):
    pts = np.array([1.0, 2.0])
    a = jets.variable(pts, 2)
    with pytest.raises(ValueError) as info:
        combine(a, other(pts))
    msg = str(info.value)
    assert "different spaces" in msg and "jets.variables" in msg, msg


# ------------------------------------------------------------- 2. bad alpha
@pytest.mark.parametrize(
    "alpha, words",
    [
        ((1,), "1 entries"),
        ((1, 0, 0), "3 entries"),
        ((-1, 0), "non-negative"),
        ((1.0, 0), "ints"),
        ((True, 0), "ints"),
        (("x", "y"), "ints"),
        (None, "tuple"),
        ((2, 1), "seed with order >= 3"),
        (3, "1 entries"),
    ],
)
def test_bad_alpha(alpha, words):
    a, _ = jets.variables([1.0, 2.0], 2)
    for read in (a.partial, a.coefficient):
        with pytest.raises(ValueError) as info:
            read(alpha)
        assert "alpha" in str(info.value) and words in str(info.value), str(info.value)


def test_bad_alpha_with_per_variable_caps():
    a, _ = jets.variables([1.0, 2.0], (2, 1))
    with pytest.raises(ValueError, match=r"exceeds the jet's per-variable order \(2, 1\)"):
        a.partial((0, 2))


# -------------------------------------------------------------- 3. bad order
@pytest.mark.parametrize(
    "order, exc, words",
    [
        (-1, ValueError, "non-negative"),
        (2.5, TypeError, "non-negative integer"),
        (2.0, TypeError, "write 2"),
        (True, TypeError, "non-negative integer"),
        ("2", TypeError, "non-negative integer"),
        (None, TypeError, "non-negative"),
        (np.float64(3.0), TypeError, "write 3"),
        ([1, -2], ValueError, "non-negative"),
        ((1, 2, 3), ValueError, "3 entries"),
        ((1, 2.0), TypeError, "non-negative integers"),
    ],
)
def test_negative_or_non_integer_order(order, exc, words):
    """A non-integer order is a TypeError (as in jets.derivatives & co.), a
    negative one or a wrong number of caps a ValueError."""
    with pytest.raises(exc) as info:
        jets.variables([1.0, 2.0], order)
    assert "order" in str(info.value) and words in str(info.value), str(info.value)


def test_variable_with_several_caps():
    with pytest.raises(ValueError, match="use jets.variables for several"):
        jets.variable(1.0, (1, 2))


# ---------------------------------------------------------- 4. huge orders
@pytest.mark.parametrize(
    "nvars, order", [(10, 60), (1, 10**9), (1, 10**20), (4, 400), (3, (10**6, 10**6, 10**6))]
)
def test_huge_order_is_refused_with_its_size_before_allocating(nvars, order):
    t0 = time.perf_counter()
    with pytest.raises(ValueError) as info:
        jets.variables([0.0] * nvars, order)
    msg = str(info.value)
    assert "coefficients" in msg and "limit" in msg, msg
    assert "GiB" in msg or "pairs" in msg, msg
    assert time.perf_counter() - t0 < 1.0  # computed, not attempted


def test_huge_batch_is_refused_before_building_anything():
    """The size check (coefficients x points) comes first: no tables are
    built, nothing is allocated."""
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"301 coefficients x 1000000 points"):
        jets.variable(np.zeros(10**6), 300)
    assert time.perf_counter() - t0 < 0.5


def test_size_guard_counts_batch_shape_not_just_length():
    with pytest.raises(ValueError, match="points"):
        # 28 coefficients x 9e6 points (a broadcast view: the points take no memory)
        jets.variables([np.broadcast_to(0.0, (3000, 3000))] * 2, 6)


# ------------------------------------------------- 5-7. conversions to plain
@pytest.mark.parametrize(
    "convert",
    [float, int, complex, operator.index, lambda j: [1, 2, 3][j], round],
    ids=["float", "int", "complex", "index", "list index", "round"],
)
def test_float_int_complex_of_a_jet(convert, x):
    with pytest.raises(TypeError) as info:
        convert(x)
    assert ".value" in str(info.value) and "derivatives" in str(info.value)


@pytest.mark.parametrize(
    "fn",
    [math.sin, math.exp, math.sqrt, math.log, math.floor, math.isfinite, lambda j: math.pow(j, 2)],
    ids=["sin", "exp", "sqrt", "log", "floor", "isfinite", "pow"],
)
def test_math_functions_on_a_jet(fn, x):
    with pytest.raises(TypeError) as info:
        fn(x)
    msg = str(info.value)
    assert "math.*" in msg and "np.sin" in msg, msg


@pytest.mark.parametrize(
    "convert",
    [np.asarray, np.array, np.float64, lambda j: np.zeros(2) + np.asarray(j)],
    ids=["asarray", "array", "float64", "mixed"],
)
def test_numpy_array_of_a_jet(convert, xb):
    with pytest.raises(TypeError, match="cannot be converted to a plain numpy array"):
        convert(xb)


# --------------------------------------------------------------- 8. bool()
def test_bool_of_a_batch_jet(xb):
    with pytest.raises(ValueError, match=r"ambiguous: use \(jet > 0\).any\(\)"):
        bool(xb)
    with pytest.raises(ValueError, match="ambiguous"):
        if xb:  # the implicit bool() of an if
            pass
    # a single point has a truth value (its value's), comparisons give numpy bools
    assert bool(jets.variable(1.0, 2)) is True
    assert bool(jets.variable(0.0, 2)) is False
    assert (xb > 1.5).tolist() == [False, True]


# -------------------------------------------------- 9. unsupported numpy calls
@pytest.mark.parametrize(
    "call, name",
    [
        (np.sort, "sort"),
        (np.median, "median"),
        (np.argsort, "argsort"),
        (lambda j: np.linalg.qr(j), "qr"),
        (np.ptp, "ptp"),
        (lambda j: np.fft.fft(j), "fft"),
        (np.unique, "unique"),
        (lambda j: np.linalg.svd(j), "svd"),
        (np.nanmax, "nanmax"),
    ],
    ids=["sort", "median", "argsort", "qr", "ptp", "fft", "unique", "svd", "nanmax"],
)
def test_unsupported_numpy_function(call, name, xb):
    with pytest.raises(TypeError) as info:
        call(xb)
    msg = str(info.value)
    assert name in msg and "not supported for jets" in msg and "docs/" in msg, msg


@pytest.mark.parametrize(
    "ufunc",
    [
        np.heaviside,
        np.fmod,
        np.mod,
        np.spacing,
        np.bitwise_and,
        np.gcd,
        np.logical_and,
        np.nextafter,
        np.copysign,
        np.ldexp,
    ],
    ids=lambda u: u.__name__,
)
def test_unsupported_ufunc(ufunc, x):
    args = (x,) if ufunc.nin == 1 else (x, 2.0)
    with pytest.raises(TypeError) as info:
        ufunc(*args)
    msg = str(info.value)
    assert ufunc.__name__ in msg and "not supported for jets" in msg, msg


def test_ufunc_methods_and_out_arguments(xb):
    with pytest.raises(TypeError, match="accumulate is not supported"):
        np.add.accumulate(xb)
    with pytest.raises(TypeError, match="outer is not supported"):
        np.multiply.outer(xb, xb)
    with pytest.raises(TypeError, match="immutable"):
        np.sin(xb, out=np.zeros(2))
    with pytest.raises(TypeError, match="out="):
        np.sum(xb, out=np.zeros(()))
    # the supported reduction works
    assert float(np.add.reduce(xb).value) == 3.0


# ------------------------------------------------- 10. writing into a jet
def test_writing_into_a_jet(xb):
    with pytest.raises(TypeError, match="jets are immutable"):
        xb[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        xb.coeffs[0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        xb.value[0] = 5.0
    assert xb.coeffs[0, 0] == 1.0


# ------------------------------------------- 11. wrong calls of jets functions
def test_wrong_number_of_arguments_and_unknown_names(x):
    with pytest.raises(TypeError, match=r"sin\(\) takes 1 positional argument but 2 were"):
        jets.sin(x, x)
    with pytest.raises(TypeError, match=r"arctan2\(\) missing 1 required positional"):
        jets.arctan2(x)
    with pytest.raises(TypeError, match=r"sin takes 1 argument\(s\), got 2"):
        jets.jet.apply("sin", x, x)
    with pytest.raises(ValueError, match="jets has no function named 'zeta'"):
        jets.rules.lookup("zeta")
    with pytest.raises(ValueError, match="no function named 'nosuch'"):
        jets.jet.apply("nosuch", x)
    with pytest.raises(AttributeError):
        jets.zeta  # noqa: B018 - not a jets function: plain AttributeError


# ---------------------------------------------------- 12. non-numeric operands
@pytest.mark.parametrize(
    "other", ["a", None, {}, object(), b"x"], ids=["str", "None", "dict", "object", "bytes"]
)
def test_non_numbers_are_refused_with_a_message_naming_them(other, x):
    with pytest.raises(TypeError) as info:
        x + other
    msg = str(info.value)
    assert "jet" in msg and type(other).__name__ in msg, msg


@pytest.mark.parametrize(
    "bad", ["a", None, [[1, 2], [3]], {"a": 1}], ids=["str", "None", "ragged", "dict"]
)
def test_variable_of_non_numbers(bad):
    with pytest.raises((TypeError, ValueError)) as info:
        jets.variable(bad, 2)
    msg = str(info.value)
    assert "variable" in msg or "x0" in msg or "point" in msg, msg


# ------------------------------------ 13. floor division, modulo, pow with mod
@pytest.mark.parametrize(
    "op",
    [operator.floordiv, operator.mod, divmod, lambda a, b: b // a, lambda a, b: b % a],
    ids=["//", "%", "divmod", "r//", "r%"],
)
def test_floor_division_and_modulo(op, x):
    with pytest.raises(TypeError, match="not supported"):
        op(x, 2.0)


def test_pow_with_a_modulus(x):
    with pytest.raises(TypeError, match="mod"):
        pow(x, 2, 3)


# ----------------------------------- 14. reading what the jet does not carry
def test_reading_what_the_jet_does_not_carry():
    a, b = jets.variables([1.0, 2.0], 2)
    with pytest.raises(ValueError, match=r"derivative\(n\) is for jets of one variable"):
        (a * b).derivative(1)
    with pytest.raises(ValueError, match=r"derivatives\(\) is for jets of one variable"):
        (a * b).derivatives()
    h, _ = jets.variables([1.0, 2.0], (1, 1))
    with pytest.raises(ValueError, match="hyper-dual"):
        h.hessian()
    with pytest.raises(ValueError, match="order >= 1"):
        jets.variable(1.0, 0).gradient()
    with pytest.raises(ValueError, match="seed with order >= 3"):
        jets.variable(1.0, 2).derivative(3)
    with pytest.raises(TypeError, match="scalar jet"):
        len(jets.variable(1.0, 2))
    with pytest.raises(TypeError, match="scalar jet"):
        list(jets.variable(1.0, 2))
    with pytest.raises(TypeError, match="jet cannot be used as an index"):
        jets.variable(np.arange(3.0), 1)[jets.variable(1.0, 1)]
    with pytest.raises(TypeError, match="unhashable"):
        hash(jets.variable(1.0, 1))


def test_seeding_misuse():
    with pytest.raises(ValueError, match="at least one point"):
        jets.variables([], 2)
    with pytest.raises(TypeError, match="not jets"):
        jets.variables(jets.variable(1.0, 1), 2)


# ------------------------------------------ 15. NaN / inf inputs propagate
_POINTS = np.array([np.nan, np.inf, -np.inf, 0.625])
_SECOND = np.array([0.5, np.nan, 2.0, 0.375])


@pytest.mark.parametrize("name", sorted(RULES))
def test_nan_and_inf_inputs_propagate_and_never_crash(name):
    """No exception and no warning; NaN in, NaN (or the IEEE limit) out; and
    the finite point of the batch is untouched by its neighbours."""
    nargs = RULES[name].nargs
    args = jets.variables([_POINTS, _SECOND, np.full(4, 1.5)][:nargs], 3)
    if name == "arccosh":
        args = (jets.variable(np.array([np.nan, np.inf, -np.inf, 1.625]), 3),)
    order = RULES[name].kind == "composition" and nargs == 2  # a plain order: jv(1, x)
    if order:
        args = (1, jets.variable(_POINTS, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(jets, name)(*args)
    c = np.asarray(out.coeffs, dtype=float)
    assert np.isnan(c[0, 0]), (name, c[:, 0])  # NaN in -> NaN value out
    jet_args = [a for a in args if isinstance(a, jets.Jet)]
    single = getattr(jets, name)(
        *args[:1] if order else (),
        *jets.variables([np.asarray(float(a.value[3])) for a in jet_args], 3)[:nargs],
    )
    np.testing.assert_array_equal(c[:, 3], np.asarray(single.coeffs, dtype=float))


def test_nan_and_inf_through_operators_and_numpy():
    x = jets.variable(np.array([np.nan, np.inf, 1.0]), 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = (x * x + 1) / (x - 3) ** 2 + np.sin(x) * np.exp(-x) + abs(x) ** 0.5
    c = np.asarray(f.coeffs, dtype=float)
    assert np.all(np.isnan(c[:, 0]))
    assert not np.any(np.isfinite(c[0, 1]))  # inf in: the value is inf/nan
    assert np.all(np.isfinite(c[:, 2]))


def test_domain_errors_give_nan_like_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f, x0 in (
            (jets.log, -1.0),
            (jets.sqrt, -4.0),
            (jets.arcsin, 2.0),
            (jets.arccosh, 0.5),
            (jets.log1p, -2.0),
        ):
            c = np.asarray(f(jets.variable(x0, 2)).coeffs, dtype=float)
            assert np.isnan(c[0]) and not np.any(np.isfinite(c)), (f, c)


# ------------------------------------------------- 16. the functional API
def _api():
    return pytest.importorskip("jets.api")


@pytest.mark.parametrize(
    "f, exc, words",
    [
        (3, TypeError, "`f` must be callable"),
        (lambda t: None, TypeError, "it returned None"),
        (lambda t: "a", TypeError, "it returned a str"),
        (lambda t: {"a": t}, TypeError, "it returned a dict"),
        (lambda t: [], TypeError, "empty list"),
        (lambda t: t > 0, TypeError, "booleans (a comparison) have no derivatives"),
        (lambda t: jets.variable(1.0, 5), TypeError, "compute with the jet array f receives"),
        (lambda t: [t, "x"], TypeError, "item [1] is a str"),
        (lambda t: math.sin(t), TypeError, "instead of math.*"),
        (lambda t: float(t), TypeError, "Use .value"),
    ],
    ids=[
        "not callable",
        "None",
        "str",
        "dict",
        "empty list",
        "bool",
        "other space",
        "bad item",
        "math.sin",
        "float()",
    ],
)
def test_functional_api_with_a_function_that_returns_the_wrong_thing(f, exc, words):
    _api()
    with pytest.raises(exc) as info:
        jets.derivative(f, 1.0, 2)
    assert words in str(info.value), str(info.value)


def test_functional_api_with_a_function_that_reduces_over_the_points():
    _api()
    with pytest.raises(ValueError, match=r"Did it reduce over the points"):
        jets.derivative(lambda t: np.sum(t), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="different shapes"):
        jets.jacobian(lambda v: [v[0], jets.stack([v[0], v[1]])], np.array([1.0, 2.0]))


def test_functional_api_with_bad_arguments():
    _api()
    with pytest.raises(ValueError, match="`n` must be a non-negative integer, got -1"):
        jets.derivative(np.sin, 1.0, n=-1)
    with pytest.raises(TypeError, match="got the float 1.5"):
        jets.derivative(np.sin, 1.0, n=1.5)
    with pytest.raises(TypeError, match="not a Jet"):
        jets.derivative(np.sin, jets.variable(1.0, 1))
    with pytest.raises(TypeError, match="must hold numbers"):
        jets.derivative(np.sin, "a")
    with pytest.raises(ValueError, match="`alpha`"):
        jets.partial(lambda v: v[0] * v[1], np.array([1.0, 2.0]), (1,))


def test_functional_api_passes_the_users_own_exception_through():
    _api()
    with pytest.raises(ZeroDivisionError):
        jets.derivative(lambda t: 1 / 0, 1.0)


def test_functional_api_constant_results_are_constants():
    """Returning plain numbers is a constant function (zero derivatives): it
    is how f = 1 is written.  Dropping the jet with .value therefore also gives
    zeros; that is the one misuse that cannot be detected (documented)."""
    _api()
    assert jets.derivative(lambda t: 2.0, np.array([1.0, 2.0])).tolist() == [0.0, 0.0]
    assert jets.derivative(lambda t: np.sin(t.value), 1.0) == 0.0
