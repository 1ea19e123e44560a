"""The peer of the hyperopt sweep benchmark (issue 19): Optuna's TPE sampler driving a vectorised pandas backtest
of the SMA crossover over the same candles and the same search space as
`cargo run --release -p tradai-hyperopt --example sweep_bench`, maximising the same sharpe ratio. Prints one
JSON line per seed, like the Rust side.

    python benches/peers/optuna_hyperopt.py CANDLES.parquet [--trials N] [--seeds 1,2,3] [--jobs 1]
    python benches/peers/optuna_hyperopt.py CANDLES.parquet --check           # agrees with pandas_backtest.py
    python benches/peers/optuna_hyperopt.py CANDLES.parquet --evaluate '{"entry.fast": 20, ...}'

The backtest is `pandas_backtest.backtest` (issue 8's baseline, which agrees with the engine to 1e-12) with its
windows and stop as arguments: the entry rule crosses its own pair of averages and the exit rule its
own, as the strategy's `entry` and `exit` fields do. Same rules: long only, signals at the close acting at the
next open, 0.1 % fee per side, 5 bp slippage, the stop on each candle's low (entry candle included), the stake
capped by the cash, a position still open at the last candle sold at its close. The objective is the sharpe
ratio exactly as `crates/backtest/src/metrics.rs` computes it: per-candle returns of the equity curve (the
first against the starting balance), mean over the sample standard deviation (n - 1), times sqrt(365 · 24);
0 when the deviation is not above 1e-15 or the ratio is not finite.

A point whose fast window is not shorter than its slow one (entry or exit) is invalid, as in the Rust sweep:
no backtest runs, and the sampler is told a penalty, the objective -max(1, |v| + 1 over every value seen so
far), the same number our sweep tells its TPE (as the loss +penalty). Such trials never count as the best.
They are not raised as `optuna.TrialPruned`, which Optuna's TPE would rank differently.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import optuna
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pandas_backtest  # noqa: E402  (issue 8's baseline, with its windows and stop as arguments)

# The space the Rust side declares (`crates/hyperopt/examples/sweep_bench.rs`), in the same order.
INTS = {"entry.fast": (5, 50), "entry.slow": (20, 200), "exit.fast": (5, 50), "exit.slow": (20, 200)}
STOPLOSS = (-0.2, -0.02)


def run(df: pd.DataFrame, params: dict) -> dict:
    return pandas_backtest.backtest(df, (params["entry.fast"], params["entry.slow"]),
                                    (params["exit.fast"], params["exit.slow"]), params["stoploss"])


def invalid(params: dict) -> bool:
    return params["entry.fast"] >= params["entry.slow"] or params["exit.fast"] >= params["exit.slow"]


def sweep(df: pd.DataFrame, seed: int, trials: int, jobs: int) -> dict:
    state = {"penalty": 1.0, "invalid": 0, "best": None, "backtests": 0.0}

    def objective(trial: optuna.Trial) -> float:
        params = {name: trial.suggest_int(name, low, high) for name, (low, high) in INTS.items()}
        params["stoploss"] = trial.suggest_float("stoploss", *STOPLOSS)
        if invalid(params):
            state["invalid"] += 1
            return -state["penalty"]
        started = time.perf_counter()
        result = run(df, params)
        state["backtests"] += time.perf_counter() - started
        value = result["sharpe"]
        state["penalty"] = max(state["penalty"], abs(value) + 1.0)
        if state["best"] is None or value > state["best"][0]:
            state["best"] = (value, params, result["trades"])
        return value

    started, cpu = time.perf_counter(), time.process_time()
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials, n_jobs=jobs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    best = state["best"]
    return {"side": "optuna", "seed": seed, "candles": len(df), "last_close": float(df["close"].iat[-1]),
            "trials": len(study.trials), "jobs": jobs, "seconds": seconds,
            "trials_per_second": len(study.trials) / seconds, "cpu_seconds": cpu,
            "backtest_seconds": state["backtests"],
            "best_value": best[0] if best else None, "best_params": best[1] if best else None,
            "best_trades": best[2] if best else None, "invalid": state["invalid"],
            "optuna": optuna.__version__, "pandas": pd.__version__, "numpy": np.__version__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("candles", help="Parquet written by tradai-backtest's write_candles example")
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated sampler seeds")
    parser.add_argument("--jobs", type=int, default=1, help="Optuna's n_jobs (threads)")
    parser.add_argument("--check", action="store_true",
                        help="compare the default point (20/50, -0.05) with pandas_backtest.backtest and exit")
    parser.add_argument("--evaluate", metavar="PARAMS_JSON", help="print one point's backtest and exit")
    args = parser.parse_args()
    df = pd.read_parquet(args.candles)
    if args.check:
        # The parameterised backtest at the baseline's point is the baseline (issue 8's figures).
        ours = run(df, {"entry.fast": 20, "entry.slow": 50, "exit.fast": 20, "exit.slow": 50,
                        "stoploss": pandas_backtest.STOP})
        print(json.dumps(ours))
        sys.exit(0 if ours["trades"] > 0 else 1)
    if args.evaluate:
        params = json.loads(args.evaluate)
        print(json.dumps({"params": params, "invalid": invalid(params),
                          **({} if invalid(params) else run(df, params))}))
        return
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for seed in (int(s) for s in args.seeds.split(",")):
        print(json.dumps(sweep(df, seed, args.trials, args.jobs)), flush=True)


if __name__ == "__main__":
    main()
