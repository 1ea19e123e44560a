"""The vectorised pandas baseline of the backtest engine (issue 8): SMA 20/50 crossover, long only, signals at
the close acting at the next open, 0.1 % fee per side, 5 bp slippage, 5 % stop loss checked on each candle's
low; equity curve, max drawdown, sharpe and the trade list. Reads the engine bench's candles (Parquet written by
`cargo run --release -p tradai-backtest --example write_candles`), times the backtest over them, and prints
candles/s plus the figures to compare with the Rust engine.

    python benches/peers/pandas_backtest.py CANDLES.parquet [REPEATS]

The stop loss needs the entry price, which depends on earlier exits, so that part is a loop over trades
(not candles): each trade is found with vectorised searches over the precomputed signal and low arrays.
"""
import json
import sys
import time

import numpy as np
import pandas as pd

FEE, SLIP, STOP, STAKE = 0.001, 0.0005, -0.05, 1000.0


def backtest(df: pd.DataFrame, entry=(20, 50), exit_=(20, 50), stoploss: float = STOP) -> dict:
    """Enter when SMA `entry[0]` crosses above SMA `entry[1]`, leave when SMA `exit_[0]` crosses below SMA
    `exit_[1]` (the strategy's `entry` and `exit` rules), with a `stoploss` stop. The sharpe is taken as
    `crates/backtest/src/metrics.rs` takes it: 0 when the deviation is not above 1e-15 or the ratio is not
    finite."""
    close, open_, low = df["close"], df["open"].to_numpy(), df["low"].to_numpy()
    means = {w: close.rolling(w).mean() for w in {*entry, *exit_}}
    fast, slow = means[entry[0]], means[entry[1]]
    above = (fast.shift(1) <= slow.shift(1)) & (fast > slow)
    fast, slow = means[exit_[0]], means[exit_[1]]
    below = (fast.shift(1) >= slow.shift(1)) & (fast < slow)
    entries = np.flatnonzero(above.to_numpy())
    exits = np.flatnonzero(below.to_numpy())
    n = len(df)
    cash, i, trades = STAKE, 0, []
    position = np.zeros(n)  # quantity held at each close
    cash_at = np.empty(n)
    last = 0
    while True:
        k = np.searchsorted(entries, i, side="left")
        if k == len(entries) or entries[k] + 1 >= n:
            break
        e = entries[k] + 1  # entry candle
        cash_at[last:e] = cash
        stake = min(STAKE, cash / (1 + FEE))
        price = open_[e] * (1 + SLIP)
        qty, stop = stake / price, price * (1 + stoploss)
        cash -= stake * (1 + FEE)
        k2 = np.searchsorted(exits, e, side="left")
        signal_exit = exits[k2] + 1 if k2 < len(exits) and exits[k2] + 1 < n else n
        hits = np.flatnonzero(low[e:signal_exit] <= stop)
        if len(hits):
            x, fill, reason = e + hits[0], min(open_[e + hits[0]], stop) * (1 - SLIP), "stop_loss"
        elif signal_exit < n:
            x, fill, reason = signal_exit, open_[signal_exit] * (1 - SLIP), "signal"
        else:
            x, fill, reason = n - 1, close.iat[n - 1] * (1 - SLIP), "end_of_data"
        held_until = x if reason != "end_of_data" else n
        position[e:held_until] = qty
        cash_at[e:held_until] = cash
        cash += qty * fill * (1 - FEE)
        trades.append((e, x, reason, qty * fill * (1 - FEE) - stake * (1 + FEE)))
        last = held_until
        if reason == "end_of_data":
            break
        i = x  # flat again from the close of the exit candle
    cash_at[last:] = cash
    equity = cash_at + position * close.to_numpy()
    if trades and trades[-1][2] == "end_of_data":
        equity[-1] = cash
    eq = pd.Series(equity)
    drawdown = (1 - eq / eq.cummax().clip(lower=STAKE)).max()
    returns = eq.pct_change().fillna(eq.iat[0] / STAKE - 1)
    deviation = returns.std()
    sharpe = returns.mean() / deviation * np.sqrt(365 * 24) if deviation > 1e-15 else 0.0
    sharpe = float(sharpe) if np.isfinite(sharpe) else 0.0
    return {"final_balance": float(equity[-1]), "trades": len(trades), "max_drawdown": float(drawdown), "sharpe": sharpe}


def main() -> None:
    df = pd.read_parquet(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        result = backtest(df)
        best = min(best, time.perf_counter() - started)
    result.update({"candles": len(df), "seconds": best, "candles_per_second": len(df) / best,
                   "pandas": pd.__version__, "numpy": np.__version__})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
