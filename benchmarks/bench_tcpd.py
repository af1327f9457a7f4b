"""Change-point detectors scored on the TCPD development split (F1 with margin 5, covering).

The 12 annotated real series of ``../shared/data/tcpd_dev`` (van den Burg & Williams,
2020, "An Evaluation of Change Point Detection Algorithms"; five annotators each),
scored as that paper does (``crowdpulse.detect.evaluate.tcpd_scores``), mean over
the series, for:

- ``default``: ``detect_changepoints(x)`` with no options;
- ``no change``: no change point at all (the baseline the paper reports);
- ``elbow (paper)``: ``penalty="elbow"``, the firestorm paper's rule over the penalties
  2..10 on the z-scored series;
- ``elbow, raw units``: the same rule on the series as given (not scale-free);
- ``previous default``: ``3 log n`` times the long-run variance with lag 5, on the raw
  series (the default before the TCPD study);
- ruptures ``Binseg`` and ``Pelt`` with BIC-type penalties on the z-scored series:
  ``l2`` with ``2 s2 log n`` (``s2`` the robust noise variance of first differences)
  and ``normal`` with ``2 log n`` (R changepoint's BIC for a change in mean and
  variance), ``min_size=2``.

Then leave-one-series-out for the one constant of the default, the factor ``beta`` of
its penalty ``beta log n x long-run variance`` (3 = MBIC): for each series, beta is
chosen on the 11 others (highest mean F1 + covering) and the series is scored with it;
and the same over the lag rules of the long-run variance that were compared while
choosing the default (``n^(1/3)``, 5, 10, Newey-West, ``sqrt(n)/2``, ``sqrt(n)``).

Run:  .venv/bin/python benchmarks/bench_tcpd.py [--data ../shared/data/tcpd_dev]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from crowdpulse.detect import (
    Pelt,
    default_lag,
    detect_changepoints,
    long_run_scale,
    noise_scale,
)
from crowdpulse.detect.evaluate import tcpd_scores
from crowdpulse.detect.rescale import rescale
from crowdpulse.detect.tcpd import TcpdSeries, load_tcpd

Method = Callable[[np.ndarray], list[int]]

BETAS = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)


def zscore(x: np.ndarray) -> np.ndarray:
    """The series rescaled to mean 0 and standard deviation 1."""
    return rescale(x, "zscore").values[:, 0]


LAG_RULES: dict[str, Callable[[int], int]] = {
    "n^(1/3) (default)": default_lag,
    "5 (previous)": lambda n: 5,
    "10": lambda n: 10,
    "Newey-West 4(n/100)^(2/9)": lambda n: max(2, math.floor(4 * (n / 100) ** (2 / 9))),
    "sqrt(n)/2": lambda n: max(2, round(math.sqrt(n) / 2)),
    "sqrt(n)": lambda n: max(2, round(math.sqrt(n))),
}


def with_beta(beta: float, lag_rule: Callable[[int], int] = default_lag) -> Method:
    """The default detector with the penalty factor ``beta`` (3 by default) and a lag rule."""

    def run(x: np.ndarray) -> list[int]:
        z = rescale(x, "robust").values
        lrv = float(long_run_scale(z, lag=lag_rule(len(z)))[0])
        pen = beta * math.log(len(z)) * lrv
        return Pelt(cost="normal-mean", min_size=2).fit(z).changepoints(pen)

    return run


def leave_one_out(grid: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Held-out (F1, covering) mean and the chosen row for each series.

    ``grid`` is (n_configs, n_series, 2); for each series the configuration with the
    highest mean F1 + covering on the other series is chosen.
    """
    n_series = grid.shape[1]
    held, chosen = [], []
    for i in range(n_series):
        others = [j for j in range(n_series) if j != i]
        k = int(np.argmax(grid[:, others].sum(axis=2).mean(axis=1)))
        chosen.append(k)
        held.append(grid[k, i])
    return np.asarray(held).mean(axis=0), chosen


def previous_default(x: np.ndarray) -> list[int]:
    """``3 log n`` x long-run variance (lag 5) on the raw series: the default until now."""
    pen = 3.0 * math.log(len(x)) * float(long_run_scale(x, lag=5)[0])
    return Pelt(cost="normal-mean", min_size=2).fit(x).changepoints(pen)


def elbow_raw(x: np.ndarray) -> list[int]:
    """The paper's elbow rule on the series as given."""
    from crowdpulse.detect import select_elbow

    return select_elbow(x).changepoints


def ruptures_bic(algo_name: str, model: str) -> Method:
    """ruptures ``Binseg``/``Pelt`` with a BIC-type penalty on the z-scored series."""

    def run(x: np.ndarray) -> list[int]:
        import ruptures as rpt

        z = zscore(x)
        n = len(z)
        pen = 2.0 * math.log(n) * (float(noise_scale(z)[0]) if model == "l2" else 1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ruptures' notice about its covariance bias
            algo = getattr(rpt, algo_name)(model=model, min_size=2, jump=1).fit(z)
            return [int(b) for b in algo.predict(pen=pen)[:-1]]

    return run


def scores(series: list[TcpdSeries], method: Method) -> np.ndarray:
    """(F1, covering) of ``method`` on each series, shape (n_series, 2)."""
    out = []
    for s in series:
        found = s.to_original(method(s.values))
        r = tcpd_scores(s.annotations, found, s.n_obs)
        out.append((r.f1, r.covering))
    return np.asarray(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        default=str(Path(__file__).resolve().parents[2] / "shared/data/tcpd_dev"),
        help="the TCPD development folder (annotations.json + datasets/)",
    )
    args = parser.parse_args()
    series = load_tcpd(args.data)
    print(f"TCPD development split: {len(series)} series from {args.data}")
    methods: dict[str, Method] = {
        "default": lambda x: detect_changepoints(x),
        "no change": lambda x: [],
        "elbow (paper, z-scored)": lambda x: detect_changepoints(x, penalty="elbow"),
        "elbow, raw units": elbow_raw,
        "previous default": previous_default,
    }
    try:
        import ruptures  # noqa: F401

        methods.update(
            {
                "ruptures Binseg l2 BIC": ruptures_bic("Binseg", "l2"),
                "ruptures Pelt l2 BIC": ruptures_bic("Pelt", "l2"),
                "ruptures Binseg normal BIC": ruptures_bic("Binseg", "normal"),
                "ruptures Pelt normal BIC": ruptures_bic("Pelt", "normal"),
            }
        )
    except ImportError:
        print("ruptures is not installed: its rows are skipped (pip install -e '.[dev]')")
    width = max(len(m) for m in methods)
    names = " ".join(f"{s.name[:11]:>11}" for s in series)
    print(f"\n{'method':<{width}}     F1  cover   (per series: F1/cover) {names}")
    table: dict[str, np.ndarray] = {}
    for name, method in methods.items():
        t0 = time.perf_counter()
        r = scores(series, method)
        table[name] = r
        per = " ".join(f"{a:5.2f}/{b:5.2f}" for a, b in r)
        print(
            f"{name:<{width}}  {r[:, 0].mean():5.3f}  {r[:, 1].mean():5.3f}"
            f"   ({time.perf_counter() - t0:5.2f} s)  {per}"
        )
    base = table["no change"].mean(axis=0)
    ours = table["default"].mean(axis=0)
    print(
        f"\ndefault - no change (in-sample): F1 {ours[0] - base[0]:+.3f}, "
        f"covering {ours[1] - base[1]:+.3f} (goal +0.075 / +0.12)"
    )

    # leave one series out: beta chosen on the 11 others
    grid = np.stack([scores(series, with_beta(b)) for b in BETAS])  # (beta, series, 2)
    print("\nin-sample by beta (penalty beta log n x long-run variance; default 3 = MBIC):")
    for b, r in zip(BETAS, grid, strict=True):
        print(f"  beta {b:5.1f}: F1 {r[:, 0].mean():5.3f}  cover {r[:, 1].mean():5.3f}")
    loo, picks = leave_one_out(grid)
    chosen = [BETAS[k] for k in picks]
    print(
        "leave-one-series-out: beta chosen "
        + ", ".join(f"{s.name}={b:g}" for s, b in zip(series, chosen, strict=True))
    )
    print(
        f"LOO: F1 {loo[0]:5.3f}  cover {loo[1]:5.3f}; minus no change: "
        f"F1 {loo[0] - base[0]:+.3f}, covering {loo[1] - base[1]:+.3f}"
    )

    # the lag rule of the long-run variance was also compared on these series: LOO over it too
    print("\nlag rules of the long-run variance (LOO with beta chosen on 11 series):")
    configs = [(name, b) for name in LAG_RULES for b in BETAS]
    big = np.stack([scores(series, with_beta(b, LAG_RULES[name])) for name, b in configs])
    for r, name in enumerate(LAG_RULES):
        sub = big[r * len(BETAS) : (r + 1) * len(BETAS)]
        loo_r, _ = leave_one_out(sub)
        beta3 = sub[BETAS.index(3.0)].mean(axis=0)
        print(
            f"  {name:<26} LOO F1 {loo_r[0]:5.3f} cover {loo_r[1]:5.3f}"
            f"   (beta 3 in-sample {beta3[0]:5.3f} / {beta3[1]:5.3f})"
        )
    loo_all, picks_all = leave_one_out(big)
    print(
        f"LOO over lag rule and beta together: F1 {loo_all[0]:5.3f} cover {loo_all[1]:5.3f}; "
        "chosen: " + ", ".join(f"{configs[k][0]} x {configs[k][1]:g}" for k in picks_all)
    )


if __name__ == "__main__":
    main()
