"""Third-order sensitivity of a projectile's range.
================================================

A projectile launched at speed v and angle theta from height h (no drag)
lands at the distance

    R(v, theta, h) = v cos(theta) / g * (v sin(theta) + sqrt(v^2 sin(theta)^2 + 2 g h)).

How does R respond when the launch conditions are off by (dv, dtheta, dh)?
``jets.derivative_tensor(R, x, k)`` gives every k-th partial of R at once;
with k = 1, 2, 3 the third-order Taylor polynomial predicts the change of R,
and its error shrinks like the fourth power of the perturbation.  The script
also tabulates one third-order sensitivity, d^3 R / dv^2 dtheta, over a batch
of launch angles, with ``jets.partial`` (which seeds only the per-variable
caps (2, 1, 0): 6 coefficients instead of the 20 of total degree 3).

Run:  python docs/examples/physics_sensitivity.py
"""

from math import factorial

import numpy as np

import jets

G = 9.81


def launch_range(x):
    """R for x = (v, theta, h), shape (3, *batch); any numpy or jet array."""
    v, theta, h = x[0], x[1], x[2]
    vs = v * np.sin(theta)
    return v * np.cos(theta) / G * (vs + np.sqrt(vs**2 + 2 * G * h))


def taylor3(x0, dx):
    """R(x0 + dx) predicted from the derivative tensors of orders 0..3 at x0."""
    total = launch_range(np.asarray(x0))
    for k in (1, 2, 3):
        T = jets.derivative_tensor(launch_range, x0, k)
        for _ in range(k):
            T = np.tensordot(T, dx, axes=([0], [0]))
        total = total + T / factorial(k)
    return total


def main():
    x0 = np.array([20.0, np.radians(40.0), 1.5])  # 20 m/s, 40 degrees, 1.5 m
    print(f"R at v = 20 m/s, theta = 40 deg, h = 1.5 m: {launch_range(x0):.6f} m")
    T3 = jets.derivative_tensor(launch_range, x0, 3)
    print(
        f"d3R/dv3 = {T3[0, 0, 0]:.6g}, d3R/dv2 dtheta = {T3[0, 0, 1]:.6g}, "
        f"d3R/dtheta3 = {T3[1, 1, 1]:.6g}"
    )
    print()
    print(f"{'step s':>8}  {'exact change':>14}  {'3rd-order error':>15}")
    direction = np.array([1.0, 0.05, 0.2])
    errors = []
    for s in (0.4, 0.2, 0.1):
        dx = s * direction
        exact = launch_range(x0 + dx) - launch_range(x0)
        err = abs(taylor3(x0, dx) - launch_range(x0 + dx))
        errors.append(err)
        print(f"{s:8.2f}  {exact:14.6f}  {err:15.3e}")
    print(
        f"error ratios when s halves: {errors[0] / errors[1]:.1f}, "
        f"{errors[1] / errors[2]:.1f} (fourth order: about 16)"
    )
    print()
    angles = np.radians([15.0, 30.0, 45.0, 60.0, 75.0])
    x = np.stack([np.full(5, 20.0), angles, np.full(5, 1.5)])
    s3 = jets.partial(launch_range, x, (2, 1, 0))
    print(f"{'theta':>6}  {'d3R/dv2 dtheta':>15}")
    for a, s in zip(np.degrees(angles), s3, strict=True):
        print(f"{a:6.0f}  {s:15.6f}")
    return x0, T3, errors, x, s3


if __name__ == "__main__":
    main()
