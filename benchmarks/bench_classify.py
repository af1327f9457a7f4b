"""Benchmark: 10-fold CV of the three SVM baselines on 50k posts, and LSTM time per epoch.

Run from the project root::

    .venv/bin/python benchmarks/bench_classify.py [--posts 50000] [--folds 10] [--n-jobs 2]

Compares, in one run and on the same folds:

1. crowdpulse: ``cross_validate`` of svm-bigram, svm-tfidf and svm-tfidf-bigram
   (every post tokenized once, features counted once, each fold's vocabulary /
   TF-IDF / SVM fitted on its training rows);
2. the plain scikit-learn pipeline a user would write for the same features:
   ``TfidfVectorizer(tokenizer=crowdpulse.text.tokenize, ngram_range=..., use_idf=...)``
   + ``LinearSVC(dual=True)`` in ``sklearn.model_selection.cross_validate`` (same folds);
3. for reference, the same with scikit-learn's own regex tokenizer (other features).

and prints times and ratios, and checks that (1) and (2) give the same accuracies.
Then trains the LSTM (packaged GloVe 6B 50d, paper settings; then again with
length-bucketed batches, ``bucket_batches=50``) for 2 epochs on 90% of the posts on
the CPU and prints the time per epoch (wall and CPU seconds) and the predict speed.

The posts come from ``crowdpulse.synth`` (seeded): crisis posts labelled by their
label hashtags, which are removed from the text, as in the papers.
"""

from __future__ import annotations

import argparse
import builtins
import functools
import os
import platform
import time

import numpy as np


def make_posts(n: int, seed: int) -> tuple[list[str], list[str]]:
    from crowdpulse.label import remove_hashtags
    from crowdpulse.synth import SynthConfig, generate, truth_posts_table

    config = SynthConfig(
        seed=seed,
        posts=int(n * 1.2) + 1000,
        crisis_share=0.95,
        retweet_rate=0.0,
        duplicate_rate=0.0,
        unlabelled_rate=0.0,
        conflict_rate=0.0,
        fr_share=0.0,
        es_share=0.0,
        und_share=0.0,
        firestorm_share=0.0,
        trickle_share=0.0,
    )
    table = truth_posts_table(generate(config))
    texts, labels = [], []
    for text, cls, tags in zip(
        table.column("text").to_pylist(),
        table.column("class").to_pylist(),
        table.column("label_hashtags").to_pylist(),
        strict=True,
    ):
        if cls in ("solidarity", "not solidarity"):
            texts.append(remove_hashtags(text, tags))
            labels.append(cls)
        if len(texts) == n:
            break
    if len(texts) < n:
        raise SystemExit(f"the generator gave only {len(texts)} labelled posts")
    return texts, labels


def plain_pipelines() -> dict[str, object]:
    """The pipelines a user would write for the same features as crowdpulse's models."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from crowdpulse.text import tokenize

    tok = functools.partial(tokenize, lowercase=True, remove_stopwords=True)

    def vec(ngrams: tuple[int, int], idf: bool) -> TfidfVectorizer:
        return TfidfVectorizer(
            tokenizer=tok, lowercase=False, token_pattern=None, ngram_range=ngrams, use_idf=idf
        )

    def svm() -> LinearSVC:
        return LinearSVC(max_iter=2000, random_state=0, dual=True)

    return {
        "svm-bigram": make_pipeline(vec((2, 2), False), svm()),
        "svm-tfidf": make_pipeline(vec((1, 1), True), svm()),
        "svm-tfidf-bigram": make_pipeline(vec((1, 2), True), svm()),
    }


def regex_pipelines() -> dict[str, object]:
    """The same with scikit-learn's own regex tokenizer and stopword list (other features)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    def vec(ngrams: tuple[int, int], idf: bool) -> TfidfVectorizer:
        return TfidfVectorizer(ngram_range=ngrams, use_idf=idf, stop_words="english")

    def svm() -> LinearSVC:
        return LinearSVC(max_iter=2000, random_state=0, dual=True)

    return {
        "svm-bigram": make_pipeline(vec((2, 2), False), svm()),
        "svm-tfidf": make_pipeline(vec((1, 1), True), svm()),
        "svm-tfidf-bigram": make_pipeline(vec((1, 2), True), svm()),
    }


def run_sklearn(
    pipes: dict[str, object], texts: list[str], labels: list[str], folds: int, n_jobs: int
) -> tuple[float, dict[str, float]]:
    from sklearn.model_selection import StratifiedKFold, cross_validate

    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    start = time.perf_counter()
    acc = {}
    for name, pipe in pipes.items():
        scores = cross_validate(pipe, texts, labels, cv=cv, n_jobs=n_jobs)  # type: ignore[arg-type]
        acc[name] = float(np.mean(scores["test_score"]))
    return time.perf_counter() - start, acc


def _print(*args: object, **kwargs: object) -> None:
    builtins.print(*args, **kwargs, flush=True)  # type: ignore[call-overload]


print = _print  # progress shows up even when stdout is a file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--lstm-posts", type=int, default=None, help="posts for the LSTM epochs (default 90%)"
    )
    parser.add_argument("--skip-baselines", action="store_true")
    args = parser.parse_args()

    from crowdpulse.classify import LSTMClassifier, clear_token_cache, cross_validate

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}"
    )
    t0 = time.perf_counter()
    texts, labels = make_posts(args.posts, seed=1)
    n_sol = labels.count("solidarity")
    print(
        f"data: {len(texts)} posts ({n_sol} solidarity), "
        f"generated in {time.perf_counter() - t0:.1f} s"
    )

    svms = ["svm-bigram", "svm-tfidf", "svm-tfidf-bigram"]
    clear_token_cache()
    start = time.perf_counter()
    ours = cross_validate(texts, labels, svms, folds=args.folds, seed=0, n_jobs=args.n_jobs)
    t_ours = time.perf_counter() - start
    print(
        f"crowdpulse cross_validate, {args.folds} folds x 3 SVMs, "
        f"n_jobs={args.n_jobs}: {t_ours:.1f} s"
    )
    for name in svms:
        print(
            f"  {name:18s} accuracy {100 * ours[name].accuracy:.2f} "
            f"+- {100 * ours[name].accuracy_sd:.2f} %"
        )

    if not args.skip_baselines:
        t_plain, acc_plain = run_sklearn(plain_pipelines(), texts, labels, args.folds, args.n_jobs)
        print(f"plain sklearn pipelines, same tokenizer and features: {t_plain:.1f} s")
        for name in svms:
            same = "same" if abs(acc_plain[name] - ours[name].accuracy) < 1e-12 else "DIFFERENT"
            print(f"  {name:18s} accuracy {100 * acc_plain[name]:.2f} % ({same} as crowdpulse)")
        t_regex, acc_regex = run_sklearn(regex_pipelines(), texts, labels, args.folds, args.n_jobs)
        print(
            f"plain sklearn pipelines, sklearn's regex tokenizer (other features): {t_regex:.1f} s"
        )
        for name in svms:
            print(f"  {name:18s} accuracy {100 * acc_regex[name]:.2f} %")
        print(f"ratio plain-same-features / crowdpulse: {t_plain / t_ours:.2f}x")
        print(f"ratio plain-regex-tokenizer / crowdpulse: {t_regex / t_ours:.2f}x")

    n_lstm = args.lstm_posts or int(0.9 * len(texts))
    for bucket in (None, 50):
        model = LSTMClassifier(epochs=2, bucket_batches=bucket, quiet=True)
        start, cpu = time.perf_counter(), time.process_time()
        model.fit(texts[:n_lstm], labels[:n_lstm])
        total, cpu = time.perf_counter() - start, time.process_time() - cpu
        per_epoch = np.mean(model.epoch_seconds_)
        print(
            f"LSTM (GloVe 6B 50d, 100 units, batch 32, max_len 100, bucket_batches={bucket}, "
            f"1 thread, CPU): {n_lstm} posts, {per_epoch:.1f} s per epoch "
            f"({', '.join(f'{s:.1f}' for s in model.epoch_seconds_)}), fit incl. vocabulary "
            f"and GloVe {total:.1f} s ({cpu:.1f} s of CPU); 20 epochs ~ "
            f"{20 * per_epoch / 60:.1f} min"
        )
    start, cpu = time.perf_counter(), time.process_time()
    model.predict(texts[:n_lstm])
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"LSTM predict: {n_lstm / total:,.0f} posts/s ({n_lstm / cpu:,.0f} per CPU second)")


if __name__ == "__main__":
    main()
