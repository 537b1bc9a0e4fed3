"""jets.solve_ivp: the adaptive Taylor integrator, against closed forms, scipy
and mpmath (never against numbers copied from our own output)."""

import numpy as np
import pytest

import jets

TIGHT = 1e-13


def oscillator(t, y):
    return [y[1], -y[0]]


def kepler(t, y):
    x, yy, vx, vy = y
    r3 = (x * x + yy * yy) ** 1.5
    return [vx, vy, -x / r3, -yy / r3]


def kepler_y0(e):
    e = np.asarray(e, dtype=float)
    return np.array([1 - e, 0 * e, 0 * e, np.sqrt((1 + e) / (1 - e))])


def energy(y):
    return 0.5 * (y[2] ** 2 + y[3] ** 2) - 1 / np.hypot(y[0], y[1])


# ------------------------------------------------------------------ closed forms
def test_harmonic_oscillator_t_eval_and_dense():
    te = np.linspace(0, 10, 23)
    r = jets.solve_ivp(oscillator, (0, 10), [1.0, 0.0], t_eval=te, dense_output=True)
    assert r.success and r.status == 0 and r.y.shape == (2, 23)
    np.testing.assert_allclose(r.y[0], np.cos(te), atol=TIGHT)
    np.testing.assert_allclose(r.y[1], -np.sin(te), atol=TIGHT)
    tq = np.linspace(0, 10, 101)
    np.testing.assert_allclose(r.sol(tq), [np.cos(tq), -np.sin(tq)], atol=TIGHT)
    assert r.sol(2.5).shape == (2,)


def test_default_times_are_the_steps():
    r = jets.solve_ivp(oscillator, (0, 10), [1.0, 0.0])
    assert r.t[0] == 0 and r.t[-1] == 10 and len(r.t) == r.nsteps + 1
    assert np.all(np.diff(r.t) > 0)
    np.testing.assert_allclose(r.y, [np.cos(r.t), -np.sin(r.t)], atol=TIGHT)
    assert r.order == 20


@pytest.mark.parametrize("rtol", [1e-6, 1e-10, 2.0**-52])
def test_exponential_growth_within_tolerance(rtol):
    r = jets.solve_ivp(lambda t, y: [y[0]], (0, 5), [1.0], rtol=rtol, atol=rtol, t_eval=[0, 2.5, 5])
    rel = np.abs(r.y[0] / np.exp(r.t) - 1)
    assert rel.max() <= max(50 * rtol, 4e-15)
    assert r.order == jets.ode.default_order(rtol)


def test_backward_integration():
    te = np.linspace(0, -5, 11)
    r = jets.solve_ivp(lambda t, y: [y[0]], (0, -5), [1.0], t_eval=te)
    np.testing.assert_allclose(r.y[0], np.exp(te), rtol=1e-14)
    r = jets.solve_ivp(oscillator, (3, -2), [np.cos(3), -np.sin(3)], dense_output=True)
    assert r.t[-1] == -2 and np.all(np.diff(r.t) < 0)
    np.testing.assert_allclose(r.y[:, -1], [np.cos(-2), -np.sin(-2)], atol=TIGHT)
    tq = np.array([2.9, 0.0, -1.5])
    np.testing.assert_allclose(r.sol(tq), [np.cos(tq), -np.sin(tq)], atol=TIGHT)


def test_time_dependent_and_constant_components():
    # y0' = cos(t), y1' = 2 (a constant): y0 = sin t, y1 = 2 t
    r = jets.solve_ivp(lambda t, y: [np.cos(t), 2.0], (0, 4), [0.0, 0.0], t_eval=[1, 4])
    np.testing.assert_allclose(r.y, [np.sin([1, 4]), [2, 8]], atol=TIGHT)


def test_state_vector_operations():
    # elementwise vector code (as written for scipy) records too
    def f(t, y):
        y = np.asarray(y)
        return -0.5 * y

    r = jets.solve_ivp(f, (0, 2), [1.0, 3.0], t_eval=[2])
    np.testing.assert_allclose(r.y[:, 0], np.array([1, 3]) * np.exp(-1), rtol=1e-14)
    r = jets.solve_ivp(lambda t, y: -0.5 * y, (0, 2), [1.0, 3.0], t_eval=[2])
    np.testing.assert_allclose(r.y[:, 0], np.array([1, 3]) * np.exp(-1), rtol=1e-14)


def test_kepler_ten_orbits_energy_and_period():
    y0 = kepler_y0(0.5)
    r = jets.solve_ivp(kepler, (0, 20 * np.pi), y0, t_eval=[20 * np.pi])
    assert r.success
    assert np.abs(r.y[:, -1] - y0).max() < 1e-11
    assert abs(energy(r.y[:, -1]) / energy(y0) - 1) < 1e-13


def test_against_scipy_van_der_pol():
    from scipy.integrate import solve_ivp as sp

    def vdp(t, y):
        return [y[1], (1 - y[0] ** 2) * y[1] - y[0]]

    te = np.linspace(0, 10, 7)
    r = jets.solve_ivp(vdp, (0, 10), [2.0, 0.0], t_eval=te)
    ref = sp(
        lambda t, y: [y[1], (1 - y[0] ** 2) * y[1] - y[0]],
        (0, 10),
        [2.0, 0.0],
        method="DOP853",
        rtol=1e-13,
        atol=1e-13,
        t_eval=te,
    )
    np.testing.assert_allclose(r.y, ref.y, atol=1e-10)


def test_lorenz_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    s, rho, b = 10.0, 28.0, 8.0 / 3.0

    def lorenz(t, y):
        return [s * (y[1] - y[0]), y[0] * (rho - y[2]) - y[1], y[0] * y[1] - b * y[2]]

    y0 = [1.0, 1.0, 1.0]
    with mpmath.workdps(30):
        f = mpmath.odefun(
            lambda t, y: [
                s * (y[1] - y[0]),
                y[0] * (rho - y[2]) - y[1],
                y[0] * y[1] - mpmath.mpf(8) / 3 * y[2],
            ],
            0,
            y0,
        )
        ref = np.array([float(v) for v in f(mpmath.mpf(1))])
    r = jets.solve_ivp(lorenz, (0, 1), y0, t_eval=[1])
    # 8/3 is rounded in double precision: the two problems differ by ~1e-16
    np.testing.assert_allclose(r.y[:, 0], ref, rtol=1e-12)


# ------------------------------------------------------------------ failures
def test_blow_up_ends_with_failure_near_one():
    r = jets.solve_ivp(lambda t, y: [y[0] ** 2], (0, 2), [1.0], t_eval=[0.5, 0.9, 1.5])
    assert r.status == -1 and not r.success
    assert "t = 0.9999999" in r.message
    assert r.nsteps < 1000
    np.testing.assert_allclose(r.t, [0.5, 0.9])  # 1.5 was never reached
    np.testing.assert_allclose(r.y[0], 1 / (1 - r.t), rtol=1e-13)


def test_square_root_singularity_fails_not_wrong():
    # y' = -1/(2y), y(0) = 1: y = sqrt(1 - t) ends at t = 1
    r = jets.solve_ivp(lambda t, y: [-0.5 / y[0]], (0, 2), [1.0])
    assert r.status == -1
    assert abs(r.t[-1] - 1) < 1e-6
    # y^2 + t = 1 along the way (y itself is ill-conditioned near the end point)
    assert np.all(np.isfinite(r.y))
    np.testing.assert_allclose(r.y[0] ** 2 + r.t, 1, atol=1e-13)


def test_step_budget():
    r = jets.solve_ivp(oscillator, (0, 100), [1.0, 0.0], max_steps=5)
    assert r.status == -1 and "max_steps" in r.message and r.nsteps == 5


@pytest.mark.parametrize(
    "kw, exc, words",
    [
        (dict(fun=3), TypeError, "callable"),
        (dict(y0=[np.nan, 0.0]), ValueError, "non-finite"),
        (dict(y0=[np.inf, 0.0]), ValueError, "non-finite"),
        (dict(t_span=(0, np.inf)), ValueError, "finite"),
        (dict(t_span=(np.nan, 1)), ValueError, "finite"),
        (dict(rtol=-1e-8), ValueError, "rtol"),
        (dict(atol=-1.0), ValueError, "atol"),
        (dict(fun=lambda t, y: [y[1]]), ValueError, "1 components for 2"),
        (dict(fun=lambda t, y: [y[1], -y[0], t]), ValueError, "3 components for 2"),
        (dict(fun=lambda t, y: [y[1], -y[0] if y[0] > 0 else y[0]]), TypeError, "np.where"),
        (dict(t_eval=[0, 20]), ValueError, "within t_span"),
        (dict(t_eval=[1, 0.5]), ValueError, "sorted"),
        (dict(order=1), ValueError, "order"),
        (dict(args=3), TypeError, "tuple"),
        (dict(events=[3]), TypeError, "callable"),
    ],
)
def test_misuse_is_a_one_line_error(kw, exc, words):
    call = dict(fun=oscillator, t_span=(0, 1), y0=[1.0, 0.0])
    call.update(kw)
    with pytest.raises(exc, match=words) as info:
        jets.solve_ivp(call.pop("fun"), call.pop("t_span"), call.pop("y0"), **call)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------ events
def test_event_time_of_a_known_crossing():
    def down(t, y):
        return y[0]

    down.direction = -1
    r = jets.solve_ivp(oscillator, (0, 10), [1.0, 0.0], events=[down, lambda t, y: y[1]])
    np.testing.assert_allclose(r.t_events[0], [np.pi / 2, 5 * np.pi / 2], rtol=4e-16)
    np.testing.assert_allclose(r.t_events[1], [np.pi, 2 * np.pi, 3 * np.pi], rtol=4e-16)
    np.testing.assert_allclose(r.y_events[0], [[0, -1], [0, -1]], atol=1e-15)
    assert r.status == 0


def test_terminal_event_stops_there():
    def hit(t, y):
        return y[0] - 0.5  # cos t = 1/2 at t = pi / 3

    hit.terminal = True
    r = jets.solve_ivp(oscillator, (0, 10), [1.0, 0.0], events=hit)
    assert r.status == 1 and r.success
    assert abs(r.t[-1] - np.pi / 3) < 4e-16
    np.testing.assert_allclose(r.y[:, -1], [0.5, -np.sin(np.pi / 3)], atol=1e-15)
    np.testing.assert_allclose(r.t_events[0], [np.pi / 3], rtol=4e-16)


def test_kepler_pericentre_events():
    # r r' crosses zero upward at every pericentre
    def peri(t, y):
        return y[0] * y[2] + y[1] * y[3]  # r r' = x vx + y vy

    peri.direction = 1
    r = jets.solve_ivp(kepler, (0.1, 6 * np.pi + 0.1), kepler_y0(0.5), events=peri)
    # the orbit starts at pericentre at t = 0.1
    np.testing.assert_allclose(r.t_events[0], 0.1 + np.array([2, 4, 6]) * np.pi, rtol=1e-13)


# ------------------------------------------------------------------ ensembles
def test_ensemble_equals_one_by_one():
    e = np.array([0.0, 0.3, 0.6, 0.9])
    y0 = kepler_y0(e)
    te = np.linspace(0, 2 * np.pi, 5)
    r = jets.solve_ivp(kepler, (0, 2 * np.pi), y0, t_eval=te)
    assert r.y.shape == (4, 4, 5) and r.nsteps.shape == (4,)
    for k in range(4):  # the reference, one trajectory at a time
        r1 = jets.solve_ivp(kepler, (0, 2 * np.pi), y0[:, k], t_eval=te)
        np.testing.assert_allclose(r.y[:, k], r1.y, rtol=1e-14, atol=1e-14)
        assert r.nsteps[k] == r1.nsteps
    np.testing.assert_allclose(r.y[..., -1], y0, atol=1e-11)  # periodic


def test_ensemble_batch_shape_args_and_dense():
    w = np.array([[1.0, 2.0, 3.0], [0.5, 1.5, 2.5]])
    y0 = np.stack([np.ones_like(w), np.zeros_like(w)])
    r = jets.solve_ivp(
        lambda t, y, w: [y[1], -w * w * y[0]],
        (0, 2),
        y0,
        args=(w,),
        t_eval=[0, 1, 2],
        dense_output=True,
    )
    assert r.y.shape == (2, 2, 3, 3)
    tt = np.array([0, 1, 2])
    np.testing.assert_allclose(r.y[0], np.cos(w[..., None] * tt), atol=TIGHT)
    np.testing.assert_allclose(r.sol(0.7)[0], np.cos(0.7 * w), atol=TIGHT)
    np.testing.assert_allclose(
        r.sol([0.3, 1.7])[1], -w[..., None] * np.sin(w[..., None] * [0.3, 1.7]), atol=1e-12
    )


def test_ensemble_failure_is_per_trajectory():
    # y' = y^2 blows up at t = 1/y0: only y0 = 2 (at 0.5) fails before t = 0.8
    y0 = np.array([[0.5, 2.0, -1.0]])
    r = jets.solve_ivp(lambda t, y: [y[0] ** 2], (0, 0.8), y0, t_eval=[0.4, 0.8])
    assert r.status == -1 and "1 of 3" in r.message
    np.testing.assert_array_equal(r.statuses, [0, -1, 0])
    good = [0, 2]
    np.testing.assert_allclose(r.y[0, good], 1 / (1 / y0[0, good, None] - [0.4, 0.8]), rtol=1e-13)
    assert np.isfinite(r.y[0, 1, 0]) and np.isnan(r.y[0, 1, 1])


def test_ensemble_terminal_events():
    def hit(t, y):
        return y[0] - 0.5

    hit.terminal = True
    a = np.array([1.0, 2.0, 0.25])  # y = a cos t: 0.25 never reaches 1/2
    y0 = np.stack([a, 0 * a])
    r = jets.solve_ivp(oscillator, (0, 3), y0, events=hit, t_eval=[0, 3])
    np.testing.assert_array_equal(r.statuses, [1, 1, 0])
    np.testing.assert_allclose(r.t_events[0][:2, 0], np.arccos(0.5 / a[:2]), rtol=1e-15)
    assert np.isnan(r.t_events[0][2, 0])
    assert np.isnan(r.y[0, 0, -1]) and np.isfinite(r.y[0, 2, -1])


# ------------------------------------------------------------------ jet transport
def test_stm_of_the_harmonic_oscillator():
    x0 = jets.variables([1.0, 0.5], order=1)
    r = jets.solve_ivp(oscillator, (0, 3), x0, t_eval=[0, 1.5, 3])
    assert isinstance(r.y, jets.Jet) and r.y.shape == (2, 3)
    for k, t in enumerate(r.t):
        stm = np.array([[r.y[i, k].coeffs[1 + j] for j in range(2)] for i in range(2)])
        exact = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
        np.testing.assert_allclose(stm, exact, atol=TIGHT)
    np.testing.assert_allclose(
        r.y.value[:, -1], [np.cos(3) + 0.5 * np.sin(3), -np.sin(3) + 0.5 * np.cos(3)], atol=TIGHT
    )


def test_parameter_derivatives_second_order():
    # y' = -k y: y = exp(-k t), dy/dk = -t y, d2y/dk2 = t^2 y, dy/dy0 = exp(-k t)
    y0, k = jets.variables([2.0, 0.7], order=2)
    r = jets.solve_ivp(lambda t, y, k: [-k * y[0]], (0, 1.5), [y0], args=(k,), t_eval=[1.5])
    y = r.y[0, 0]
    v = 2 * np.exp(-0.7 * 1.5)
    np.testing.assert_allclose(y.value, v, rtol=1e-14)
    np.testing.assert_allclose(y.partial((0, 1)), -1.5 * v, rtol=1e-13)
    np.testing.assert_allclose(y.partial((0, 2)), 1.5**2 * v, rtol=1e-13)
    np.testing.assert_allclose(y.partial((1, 1)), -1.5 * v / 2, rtol=1e-13)
    np.testing.assert_allclose(y.partial((2, 0)), 0, atol=1e-15)


def test_parameter_only_jet_with_plain_state():
    # only the parameter is seeded: y0 is a constant of the seeding
    (k,) = jets.variables([np.array([0.5, 0.7])], order=2)
    r = jets.solve_ivp(
        lambda t, y, k: [-k * y[0]], (0, 1.5), np.array([[2.0, 3.0]]), args=(k,), t_eval=[1.5]
    )
    y = r.y[0, :, 0]
    v = np.array([2.0, 3.0]) * np.exp(-np.array([0.5, 0.7]) * 1.5)
    np.testing.assert_allclose(y.value, v, rtol=1e-14)
    np.testing.assert_allclose(y.partial((1,)), -1.5 * v, rtol=1e-13)
    np.testing.assert_allclose(y.partial((2,)), 1.5**2 * v, rtol=1e-13)


def _kepler_stm(T):
    x0 = jets.variables(kepler_y0(0.5), order=1)
    r = jets.solve_ivp(kepler, (0, T), x0, t_eval=[T])
    yT = r.y[:, 0]
    return np.array([[yT[i].coeffs[1 + j] for j in range(4)] for i in range(4)])


def test_kepler_stm_against_scipy_variational_equations():
    from scipy.integrate import solve_ivp as sp

    T = 2.0

    def var(t, z):
        x, y, vx, vy = z[:4]
        P = z[4:].reshape(4, 4)
        r2 = x * x + y * y
        r5 = r2**2.5
        A = np.zeros((4, 4))
        A[0, 2] = A[1, 3] = 1
        A[2, 0] = (3 * x * x - r2) / r5
        A[3, 1] = (3 * y * y - r2) / r5
        A[2, 1] = A[3, 0] = 3 * x * y / r5
        r3 = r2**1.5
        return np.concatenate([[vx, vy, -x / r3, -y / r3], (A @ P).ravel()])

    z0 = np.concatenate([kepler_y0(0.5), np.eye(4).ravel()])
    ref = sp(var, (0, T), z0, method="DOP853", rtol=1e-13, atol=1e-13).y[4:, -1]
    np.testing.assert_allclose(_kepler_stm(T), ref.reshape(4, 4), rtol=1e-10, atol=1e-10)


def test_kepler_stm_against_finite_differences():
    T = 2.0
    y0 = kepler_y0(0.5)
    fd = np.zeros((4, 4))
    h = 1e-5
    for j in range(4):
        d = np.zeros(4)
        d[j] = h
        plus = jets.solve_ivp(kepler, (0, T), y0 + d, t_eval=[T]).y[:, 0]
        minus = jets.solve_ivp(kepler, (0, T), y0 - d, t_eval=[T]).y[:, 0]
        fd[:, j] = (plus - minus) / (2 * h)
    np.testing.assert_allclose(_kepler_stm(T), fd, rtol=1e-7, atol=1e-7)


def test_jet_ensemble_and_dense():
    a = np.array([1.0, 2.0])
    x0, v0 = jets.variables([a, 0 * a], order=1)
    r = jets.solve_ivp(oscillator, (0, 2), [x0, v0], t_eval=[2], dense_output=True)
    assert r.y.shape == (2, 2, 1)
    np.testing.assert_allclose(r.y.value[0, :, 0], a * np.cos(2), atol=TIGHT)
    d = r.sol(1.0)  # Jet (2, 2)
    np.testing.assert_allclose(d[0].coeffs[1], [np.cos(1.0)] * 2, atol=TIGHT)
    np.testing.assert_allclose(d[0].coeffs[2], [np.sin(1.0)] * 2, atol=TIGHT)


# ------------------------------------------------------------------ recording
def test_fun_is_recorded_once():
    calls = []

    def f(t, y):
        calls.append(1)
        return [y[1], -y[0]]

    jets.solve_ivp(f, (0, 50), [1.0, 0.0])
    assert len(calls) == 1
