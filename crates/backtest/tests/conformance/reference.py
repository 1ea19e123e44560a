"""The reference engine of the conformance suite (decision F5): backtesting.py runs each case the Rust engine
runs, and this script prints its trades as JSON.

Input (stdin): a JSON list of cases, each {"strategy": <StrategyConfig JSON>, "candles": [[time_ms, open, high,
low, close], ...], "start": <index of the range's first candle>}. The candles end at the range's end (exclusive).
Output (stdout): a JSON list, per case, of trades {"side", "entry", "exit" (candle indices), "reason",
"return" (on the position's notional, net of both fees)}.

The indicators and their crossings are computed here with numpy, sharing no code with the engine. The rules
backtesting.py has no notion of are written as strategy code on its primitives, as a Freqtrade user would:
the stop loss and the ROI table's target for the trade's age as the trade's `sl` and `tp`, moved after each
candle (the trailing stop, the ROI table's later steps), which backtesting.py applies from the next candle.
Two things need the next candle's open and time (a deliberate peek: backtesting.py only sets `sl`/`tp` when
the order is placed, before the fill): the levels of a new position, which depend on its fill price, and the
ROI step of the next candle's age. Funding and `max_open_trades` have no counterpart: hand-computed cases in
tests/reference/rules.rs cover them.
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd
from backtesting import Backtest, Strategy

warnings.filterwarnings("ignore")


def sma(x, p):
    out = np.full(len(x), np.nan)
    if len(x) >= p:
        c = np.cumsum(np.insert(x, 0, 0.0))
        out[p - 1:] = (c[p:] - c[:-p]) / p
    return out


def ema(x, p):
    out = np.full(len(x), np.nan)
    if len(x) < p:
        return out
    alpha = 2.0 / (p + 1)
    value = x[:p].mean()
    out[p - 1] = value
    for i in range(p, len(x)):
        value = value + alpha * (x[i] - value)
        out[i] = value
    return out


def rsi(x, p):
    out = np.full(len(x), np.nan)
    if len(x) <= p:
        return out
    d = np.diff(x)
    gain = np.where(d > 0, d, 0.0)[:p].mean()
    loss = np.where(d < 0, -d, 0.0)[:p].mean()
    rs = lambda g, l: 100.0 if l == 0 else 100.0 - 100.0 / (1.0 + g / l)
    out[p] = rs(gain, loss)
    for i in range(p + 1, len(x)):
        ch = x[i] - x[i - 1]
        gain = (gain * (p - 1) + max(ch, 0.0)) / p
        loss = (loss * (p - 1) + max(-ch, 0.0)) / p
        out[i] = rs(gain, loss)
    return out


def band(x, p, k, upper):
    out = np.full(len(x), np.nan)
    for i in range(p - 1, len(x)):
        w = x[i + 1 - p:i + 1]
        sd = np.sqrt(((w - w.mean()) ** 2).mean())
        out[i] = w.mean() + (k * sd if upper else -k * sd)
    return out


def difference(rule, close):
    kind = rule["rule"]
    if kind == "sma_cross":
        return sma(close, rule["fast"]) - sma(close, rule["slow"])
    if kind == "ema_cross":
        return ema(close, rule["fast"]) - ema(close, rule["slow"])
    if kind == "rsi":
        return rsi(close, rule["period"]) - rule["threshold"]
    if kind == "bollinger":
        return close - band(close, rule["period"], rule["std_dev"], rule["direction"] == "above")
    raise ValueError(kind)


def fires(rule, close):
    """Where the rule's difference crosses zero in its direction (the previous candle on one side, this one
    strictly on the other; undefined values never cross)."""
    if rule is None:
        return np.zeros(len(close), dtype=bool)
    d = difference(rule, close)
    prev = np.r_[np.nan, d[:-1]]
    with np.errstate(invalid="ignore"):
        if rule["direction"] == "above":
            return (prev <= 0) & (d > 0)
        return (prev >= 0) & (d < 0)


def run(case):
    s = case["strategy"]
    rows = np.array(case["candles"], dtype=float)
    times = rows[:, 0].astype(np.int64)
    o, h, l, c = rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4]
    n, start = len(rows), case["start"]
    fee, lev, stoploss = s.get("fee", 0.001), s.get("leverage", 1.0), s["stoploss"]
    roi = sorted((int(k) * 60_000, v) for k, v in s.get("minimal_roi", {}).items())
    trailing = s.get("trailing_stop", False)
    positive = s.get("trailing_stop_positive")
    offset = s.get("trailing_stop_positive_offset", 0.0)
    only_offset = s.get("trailing_only_offset_is_reached", False)
    live = np.arange(n) >= start
    enter_long, exit_long = fires(s["entry"], c) & live, fires(s["exit"], c) & live
    enter_short, exit_short = fires(s.get("short_entry"), c) & live, fires(s.get("short_exit"), c) & live

    def roi_target(side, entry, age):
        ratio = None
        for from_ms, r in roi:
            if from_ms <= age:
                ratio = r
        if ratio is None:
            return None
        if side > 0:
            return entry * (1 + fee + ratio / lev) / (1 - fee)
        return entry * (1 - fee - ratio / lev) / (1 + fee)

    closes = []  # bars whose next() asked for a signal exit

    class Reference(Strategy):
        def init(self):
            self.state = None

        def next(self):
            i = len(self.data) - 1
            if i >= n - 1:
                return
            if self.trades:
                t, st = self.trades[0], self.state
                side = 1 if t.is_long else -1
                if (exit_long[i] if side > 0 else exit_short[i]):
                    closes.append(i)
                    t.close()
                    return
                if trailing:
                    st["best"] = max(st["best"], h[i]) if side > 0 else min(st["best"], l[i])
                    profit = side * (st["best"] / t.entry_price - 1) * lev
                    if positive is not None and profit > offset:
                        distance = positive
                    elif only_offset:
                        distance = None
                    else:
                        distance = -stoploss
                    if distance is not None:
                        new = st["best"] * (1 - side * distance / lev)
                        t.sl = max(t.sl, new) if side > 0 else min(t.sl, new)
                if roi:
                    t.tp = roi_target(side, t.entry_price, times[i + 1] - st["entry_time"])
                return
            if self.orders:
                return
            side = 1 if enter_long[i] and not enter_short[i] else -1 if enter_short[i] and not enter_long[i] else 0
            if side == 0:
                return
            entry = o[i + 1]
            sl = entry * (1 + side * stoploss / lev)
            tp = roi_target(side, entry, 0) if roi else None
            self.state = {"best": entry, "entry_time": times[i + 1], "initial_sl": sl}
            (self.buy if side > 0 else self.sell)(size=0.5, sl=sl, tp=tp)

    frame = pd.DataFrame({"Open": o, "High": h, "Low": l, "Close": c, "Volume": 1.0},
                         index=pd.to_datetime(times, unit="ms"))
    stats = Backtest(frame, Reference, cash=1e9, commission=fee, spread=0.0, margin=1.0).run()
    out = []

    def reason(t):
        x = int(t.ExitBar)
        if x - 1 in closes:
            return "signal"
        long = t.Size > 0
        if t.SL == t.SL and ((l[x] <= t.SL) if long else (h[x] >= t.SL)):
            moved = abs(t.SL - (t.EntryPrice * (1 + (1 if long else -1) * stoploss / lev))) > 1e-12 * t.EntryPrice
            return "trailing_stop" if moved else "stop_loss"
        return "roi"

    for t in stats["_trades"].itertuples():
        out.append({"side": "long" if t.Size > 0 else "short", "entry": int(t.EntryBar), "exit": int(t.ExitBar),
                    "reason": reason(t), "return": float(t.ReturnPct)})
    for t in stats["_strategy"].trades:  # still open: closed at the last candle's close
        side, e, x = (1 if t.is_long else -1), t.entry_price, c[-1]
        out.append({"side": "long" if side > 0 else "short", "entry": int(t.entry_bar), "exit": n - 1,
                    "reason": "end_of_range", "return": float(side * (x / e - 1) - fee * (x + e) / e)})
    return out


if __name__ == "__main__":
    cases = json.load(sys.stdin)
    json.dump([run(case) for case in cases], sys.stdout)
