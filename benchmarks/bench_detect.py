"""Change-point detection: crowdpulse.detect vs ruptures vs changepoint-doctor (cpd).

(b) The firestorm paper's streaming workload: 720 half-hour steps x 20 series, at
    each step PELT (l2 cost, min_size=2, jump=1) on the last 49 values for each of
    the penalties 2..10. Ours twice: all windows in one call (``pelt_windows``) and
    step by step through ``StreamingDetector.update`` (which also does the elbow
    choice and the alerts). ruptures is timed on a subset of the steps and
    extrapolated (it takes ~20 minutes in full); cpd runs in full. Change points are
    compared window by window and penalty by penalty.
(c) One long series, n = 100,000 with 5 changes, l2 cost, min_size=2, penalty
    3 log(n): ours vs cpd at full size, and ruptures vs ours at a smaller n.

Run:  .venv/bin/python benchmarks/bench_detect.py [--ruptures-steps 24] [--n 100000]
      (--study: the default-penalty study; --short: the default on 15-60 values)
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path

import numpy as np

from crowdpulse.detect import PAPER_PENALTIES, Pelt, StreamingDetector, pelt_windows


def firestorm_like_series(n_series: int, n_buckets: int, seed: int) -> np.ndarray:
    """Category means per half hour: level, day/night rhythm, noise, a shift at 70%."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_buckets)
    level = rng.uniform(0.5, 6.0, size=(n_series, 1))
    rhythm = rng.uniform(0.1, 0.8, size=(n_series, 1)) * np.sin(2 * np.pi * t / 48.0)
    noise = rng.normal(0, 1, size=(n_series, n_buckets)) * rng.uniform(0.3, 1.5, (n_series, 1))
    shift = np.where(t >= int(0.7 * n_buckets), 1.0, 0.0) * rng.normal(0, 2, (n_series, 1))
    return level + rhythm + noise + shift


def timed(func, repeat: int = 1):
    """Run ``func`` ``repeat`` times: (best wall seconds, best CPU seconds, last result).

    CPU time (``time.process_time``) is printed beside wall time because the
    machine is shared: other jobs stretch wall times, much less CPU times.
    """
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = func()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), result


def fmt(t: tuple[float, float]) -> str:
    return f"{t[0]:9.3f} s wall {t[1]:9.3f} s cpu"


def ratio(slow: tuple[float, float], fast: tuple[float, float]) -> str:
    return f"{slow[0] / fast[0]:8.1f}x wall {slow[1] / fast[1]:8.1f}x cpu"


def bench_streaming(ruptures_steps: int) -> None:
    import cpd
    import ruptures as rpt

    steps, n_series, width = 720, 20, 49
    pens = np.asarray(PAPER_PENALTIES)
    series = firestorm_like_series(n_series, steps + width - 1, seed=1)
    # window of step s for series j: series[j, s : s + 49]
    windows = np.lib.stride_tricks.sliding_window_view(series, width, axis=1)  # (20, 720, 49)
    flat = np.ascontiguousarray(windows.transpose(1, 0, 2).reshape(-1, width))  # step-major

    pelt_windows(flat[:4], pens)  # compile / load the kernels
    *t_batch, ours = timed(lambda: pelt_windows(flat, pens), repeat=3)

    def streaming() -> int:
        det = StreamingDetector(window=width)
        names = [f"c{j}" for j in range(n_series)]
        n_alerts = 0
        for s in range(steps + width - 1):
            n_alerts += len(det.update(s, dict(zip(names, series[:, s], strict=True))))
        return n_alerts

    *t_stream, n_alerts = timed(streaming, repeat=3)

    def run_cpd() -> list[list[int]]:
        out = []
        for w in range(flat.shape[0]):
            x = flat[w]
            for p in pens:
                res = cpd.Pelt(model="l2", min_segment_len=2, jump=1).fit(x).predict(pen=float(p))
                out.append(res.breakpoints)
        return out

    *t_cpd, cpd_out = timed(run_cpd)

    subset = ruptures_steps * n_series

    def run_ruptures() -> list[list[int]]:
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for w in range(subset):
                for p in pens:
                    algo = rpt.Pelt(model="l2", min_size=2, jump=1).fit(flat[w])
                    out.append(algo.predict(pen=float(p)))
        return out

    *t_rpt_subset, rpt_out = timed(run_ruptures)
    t_rpt = [t * flat.shape[0] / subset for t in t_rpt_subset]

    P = pens.size
    ours_lists = [[*ours.get(w, j), width] for w in range(flat.shape[0]) for j in range(P)]
    same_rpt = sum(a == b for a, b in zip(ours_lists[: subset * P], rpt_out, strict=True))
    same_cpd = sum(a == b for a, b in zip(ours_lists, cpd_out, strict=True))
    cpd_vs_rpt = sum(a == b for a, b in zip(cpd_out[: subset * P], rpt_out, strict=True))
    safe = pelt_windows(flat, pens, pruning="safe")
    differs_safe = int(np.sum(np.any(safe.counts != ours.counts, axis=1)))
    n_problems = flat.shape[0] * P

    print("(b) streaming workload: 720 steps x 20 series x penalties 2..10, 49-value windows")
    print(f"    problems (window x penalty): {n_problems:,}")
    print(f"    ours, all windows in one call (pelt_windows): {fmt(t_batch)}")
    print(f"    ours, StreamingDetector.update x {steps + width - 1}:      {fmt(t_stream)}")
    print(f"    changepoint-doctor (cpd), full:              {fmt(t_cpd)}")
    print(f"    ruptures, {ruptures_steps} of 720 steps:                {fmt(t_rpt_subset)}")
    print(f"    ruptures, extrapolated to 720 steps:         {fmt(t_rpt)}")
    print(f"    speed-up vs ruptures, batch:    {ratio(t_rpt, t_batch)}")
    print(f"    speed-up vs ruptures, detector: {ratio(t_rpt, t_stream)}")
    print(f"    speed-up vs cpd, batch:         {ratio(t_cpd, t_batch)}")
    print(f"    speed-up vs cpd, detector:      {ratio(t_cpd, t_stream)}")
    print(f"    same change points as ruptures: {same_rpt:,} / {subset * P:,}")
    print(f"    same change points as cpd:      {same_cpd:,} / {n_problems:,}")
    print(f"    (cpd vs ruptures on the subset: {cpd_vs_rpt:,} / {subset * P:,} equal)")
    print(f"    windows where pruning='safe' changes a count: {differs_safe} / {flat.shape[0]}")
    print(f"    alerts raised by the detector: {n_alerts}")


def bench_long(n: int, n_small: int) -> None:
    import cpd
    import ruptures as rpt

    rng = np.random.default_rng(2)

    def make(size: int) -> np.ndarray:
        x = rng.normal(size=size)
        for k, shift in zip(range(1, 6), (1.0, -1.5, 2.0, -1.0, 1.5), strict=True):
            x[k * size // 6 :] += shift
        return x

    x = make(n)
    pen = 3 * math.log(n)
    Pelt().fit(x[:100]).predict(1.0)  # load the kernels
    *t_ours, ours = timed(lambda: Pelt(cost="normal-mean", min_size=2).fit(x).predict(pen))
    *t_cpd, theirs = timed(
        lambda: cpd.Pelt(model="l2", min_segment_len=2, jump=1).fit(x).predict(pen=pen).breakpoints
    )
    small = make(n_small)
    pen_small = 3 * math.log(n_small)
    *t_ours_small, ours_small = timed(
        lambda: Pelt(cost="normal-mean", min_size=2).fit(small).predict(pen_small), repeat=3
    )
    *t_rpt_small, rpt_small = timed(
        lambda: rpt.Pelt(model="l2", min_size=2, jump=1).fit(small).predict(pen=pen_small)
    )
    cpd_small = (
        cpd.Pelt(model="l2", min_segment_len=2, jump=1)
        .fit(small)
        .predict(pen=pen_small)
        .breakpoints
    )
    print("(c) one series, 5 changes, l2, min_size=2, penalty 3 log n")
    print(f"    n = {n:,}: ours {fmt(t_ours)}")
    print(f"    n = {n:,}: cpd  {fmt(t_cpd)}")
    print(f"    speed-up vs cpd: {ratio(t_cpd, t_ours)}")
    print(f"    same change points as cpd: {ours == list(theirs)}  ({ours[:-1]})")
    print(f"    n = {n_small:,}: ours     {fmt(t_ours_small)}")
    print(f"    n = {n_small:,}: ruptures {fmt(t_rpt_small)}")
    print(f"    speed-up vs ruptures: {ratio(t_rpt_small, t_ours_small)}")
    print(
        f"    same change points as ruptures: {ours_small == rpt_small};"
        f" as cpd: {ours_small == list(cpd_small)}"
    )


# ----------------------------------------------------------------------------- study


def _crisislex_hourly(root: str) -> list[tuple[str, np.ndarray]]:
    import csv
    import glob
    import os
    from datetime import datetime

    out = []
    for path in sorted(glob.glob(os.path.join(root, "*", "*-tweetids_entire_period.csv"))):
        stamps = []
        with open(path, encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            for row in reader:
                stamps.append(
                    datetime.strptime(row[0].strip(), "%a %b %d %H:%M:%S %z %Y").timestamp()
                )
        ts = np.asarray(stamps)
        hours = ((ts - ts.min()) // 3600).astype(int)
        out.append((os.path.basename(os.path.dirname(path)), np.bincount(hours).astype(float)))
    return out


def study(reps: int, data_root: str) -> None:
    """Which default penalty finds planted changes best (F1 within a tolerance)."""
    from crowdpulse.detect import long_run_scale, noise_scale, segment
    from crowdpulse.detect.evaluate import changepoint_scores, piecewise_signal

    def scaled(factor: float, scale) -> object:
        return lambda x: factor * math.log(x.size) * float(scale(x)[0])

    def dispersion(factor: float, scale) -> object:
        def rule(x: np.ndarray) -> float:
            disp = max(1.0, float(scale(x)[0]) / max(float(np.median(x)), 1.0))
            return factor * math.log(x.size) * disp

        return rule

    def plain(factor: float) -> object:
        return lambda x: factor * math.log(x.size)

    continuous = {
        "elbow (paper)": ("normal-mean", "elbow"),
        "2 s2 log n (BIC, MAD)": ("normal-mean", scaled(2, noise_scale)),
        "3 s2 log n (MAD)": ("normal-mean", scaled(3, noise_scale)),
        "2 lrv log n": ("normal-mean", scaled(2, long_run_scale)),
        "3 lrv log n = auto": ("normal-mean", "auto"),
        "meanvar 3 log n": ("normal-meanvar", plain(3)),
        "meanvar 4 log n = auto": ("normal-meanvar", "auto"),
    }
    counts = {
        "elbow (paper)": ("normal-mean", "elbow"),
        "normal-mean auto": ("normal-mean", "auto"),
        "poisson 2 log n": ("poisson", plain(2)),
        "poisson 2 disp log n": ("poisson", dispersion(2, noise_scale)),
        "poisson 3 disp log n = auto": ("poisson", "auto"),
        "poisson 3 lrv-disp log n": ("poisson", dispersion(3, long_run_scale)),
    }

    def found_by(x: np.ndarray, cost: str, rule) -> list[int]:
        pen = rule(x) if callable(rule) else rule
        return segment(x, cost=cost, penalty=pen).changepoints

    n, tol = 300, 5
    print(f"default-penalty study: n={n}, 0-4 changes, {reps} series per kind, tolerance {tol}")
    print("  mean F1 | mean change points found on the series without a change")
    for kind in ("gaussian", "student-t", "ar1", "poisson", "negbin"):
        methods = counts if kind in ("poisson", "negbin") else continuous
        f1s: dict[str, list[float]] = {m: [] for m in methods}
        fps: dict[str, list[int]] = {m: [] for m in methods}
        for rep in range(reps):
            k = rep % 5
            x, truth = piecewise_signal(n, k, noise=kind, min_spacing=15, seed=1000 + rep)
            for name, (cost, rule) in methods.items():
                found = found_by(x, cost, rule)
                f1s[name].append(changepoint_scores(found, truth, tol).f1)
                if k == 0:
                    fps[name].append(len(found))
        print(f"  {kind}")
        for name in methods:
            print(f"    {name:<26} {np.mean(f1s[name]):5.2f} | {np.mean(fps[name]):5.1f}")
    try:
        real = _crisislex_hourly(data_root)
    except (OSError, StopIteration):
        print(f"  real series skipped: {data_root} not found")
        return
    if not real:
        print(f"  real series skipped: nothing in {data_root}")
        return
    rng = np.random.default_rng(7)
    taus = [int(rng.integers(y.size // 4, 3 * y.size // 4)) for _, y in real]
    extra = [
        rng.poisson(2.0 * (np.median(y) + 1.0), size=y.size - t)
        for (_, y), t in zip(real, taus, strict=True)
    ]
    print(
        f"  real: {len(real)} CrisisLexT26 hourly tweet counts + a planted rise of"
        " Poisson(2 (median + 1)) per hour from a random hour on"
    )
    print("  share of planted rises found within 3 h | F1 | change points per 100 h on raw series")
    for name, (cost, rule) in counts.items():
        hits, f1s_real, per100 = [], [], []
        for (_, y), tau, add in zip(real, taus, extra, strict=True):
            planted = y.copy()
            planted[tau:] += add
            sc = changepoint_scores(found_by(planted, cost, rule), [tau], 3)
            hits.append(sc.tp)
            f1s_real.append(sc.f1)
            per100.append(100.0 * len(found_by(y, cost, rule)) / y.size)
        print(
            f"    {name:<26} {np.mean(hits):5.2f} | {np.mean(f1s_real):5.2f} |"
            f" median {np.median(per100):5.1f}"
        )


def short_series(reps: int) -> None:
    """The default on 15-60 values: false changes without a change, F1 with one change."""
    from crowdpulse.detect import changepoint_scores, detect_changepoints, piecewise_signal

    kinds = ("gaussian", "student-t", "ar1", "poisson", "negbin")
    print(
        f"short series, default detector, {reps} seeds: changes found without a change / F1 (tol 2)"
    )
    for n in (15, 30, 60):
        cells = []
        for noise in kinds:
            fp, f1 = [], []
            for seed in range(reps):
                x, _ = piecewise_signal(n, 0, noise=noise, min_spacing=5, seed=seed)
                fp.append(len(detect_changepoints(x)))
                x, t = piecewise_signal(
                    n, 1, noise=noise, min_spacing=5, shift=(2.0, 4.0), seed=1000 + seed
                )
                f1.append(changepoint_scores(detect_changepoints(x), t, 2).f1)
            cells.append(f"{noise} {np.mean(fp):.2f} / {np.mean(f1):.2f}")
        print(f"  n={n:<3} " + " | ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ruptures-steps", type=int, default=24, help="steps timed for ruptures")
    parser.add_argument("--n", type=int, default=100_000, help="length of the long series")
    parser.add_argument("--n-ruptures", type=int, default=5_000, help="length for ruptures")
    parser.add_argument(
        "--study", action="store_true", help="run the default-penalty study instead"
    )
    parser.add_argument("--reps", type=int, default=100, help="series per kind in the study")
    parser.add_argument(
        "--short", action="store_true", help="run the short-series check of the default instead"
    )
    parser.add_argument(
        "--data",
        default=str(Path(__file__).resolve().parents[2] / "shared/data/crisislex/CrisisLexT26"),
        help="CrisisLexT26 folder for the study's real series",
    )
    args = parser.parse_args()
    if args.study:
        study(args.reps, args.data)
        return
    if args.short:
        short_series(args.reps)
        return
    bench_streaming(args.ruptures_steps)
    bench_long(args.n, args.n_ruptures)


if __name__ == "__main__":
    main()
