"""Write Binance USD-M futures REST pages (GET /fapi/v1/klines, GET /fapi/v1/fundingRate,
GET /fapi/v1/exchangeInfo) to crates/market/recordings/binance-futures/, the pages the recorded source and the
replay server serve.

    python tools/recordings/binance_futures.py --live        # record the real API (needs network access)
    python tools/recordings/binance_futures.py               # synthesize pages in the same format

The committed pages were synthesized (the build machines have no route to api.binance.com; decision M3):
a seeded geometric random walk per symbol, in exactly the documented kline array format
[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore]
with prices as strings, 1500 klines per page. Funding pages are composed the same way, in the documented
fundingRate format {"symbol", "fundingTime", "fundingRate", "markPrice"} (strings for the rate and the price),
one event every 8 hours (00:00, 08:00, 16:00 UTC) stamped a few milliseconds after the hour as Binance stamps
its settlements, the rate from Binance's formula F = P + clamp(0.01% - P, -0.05%, 0.05%) over a seeded premium
(so mostly exactly 0.00010000, with positive and negative excursions), the mark price near the kline's open.
Run with --live where the API is reachable to replace them with real recorded pages; the tests only rely on
the format.
"""
import argparse
import json
import math
import os
import random
import urllib.request

BASE = "https://fapi.binance.com"
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "market", "recordings", "binance-futures")
START = 1704067200000  # 2024-01-01T00:00:00Z
END = 1711929600000  # 2024-04-01T00:00:00Z
HOUR = 3600000
PAGE = 1500
FUNDING_PAGE = 1000
EIGHT_HOURS = 8 * HOUR
SERIES = [("BTCUSDT", "1h", 42000.0, 11), ("ETHUSDT", "1h", 2300.0, 22)]


def fmt(x: float, places: int) -> str:
    return f"{x:.{places}f}"


def synthesize(symbol: str, price: float, seed: int) -> list:
    rng = random.Random(seed)
    rows = []
    for t in range(START, END, HOUR):
        o = price
        c = o * math.exp(rng.gauss(0.0, 0.006))
        h = max(o, c) * (1 + abs(rng.gauss(0.0, 0.002)))
        lo = min(o, c) * (1 - abs(rng.gauss(0.0, 0.002)))
        v = abs(rng.gauss(1500.0, 400.0)) + 10.0
        places = 1 if symbol == "BTCUSDT" else 2
        rows.append([t, fmt(o, places), fmt(h, places), fmt(lo, places), fmt(c, places), fmt(v, 3), t + HOUR - 1,
                     fmt(v * c, 4), int(v * 7), fmt(v / 2, 3), fmt(v * c / 2, 4), "0"])
        price = c
    return rows


def live(symbol: str, interval: str) -> list:
    rows, cursor = [], START
    while cursor < END:
        url = f"{BASE}/fapi/v1/klines?symbol={symbol}&interval={interval}&startTime={cursor}&endTime={END - 1}&limit={PAGE}"
        with urllib.request.urlopen(url, timeout=30) as answer:
            page = json.load(answer)
        if not page:
            break
        rows.extend(page)
        cursor = page[-1][0] + HOUR
    return rows


def synthesize_funding(symbol: str, klines: list, seed: int) -> list:
    rng = random.Random(seed + 1000)
    opens = {row[0]: float(row[1]) for row in klines}
    rows, premium = [], 0.0002
    for t in range(START, END, EIGHT_HOURS):
        premium = 0.0002 + 0.8 * (premium - 0.0002) + rng.gauss(0.0, 0.00028)
        rate = premium + max(-0.0005, min(0.0005, 0.0001 - premium))
        rate = max(-0.003, min(0.003, rate))
        mark = opens[t] * (1 + rng.gauss(0.0, 0.0002))
        rows.append({"symbol": symbol, "fundingTime": t + rng.randint(0, 9),
                     "fundingRate": fmt(rate, 8).replace("-0.00000000", "0.00000000"), "markPrice": fmt(mark, 8)})
    return rows


def live_funding(symbol: str) -> list:
    rows, cursor = [], START
    while cursor < END:
        url = f"{BASE}/fapi/v1/fundingRate?symbol={symbol}&startTime={cursor}&endTime={END - 1}&limit={FUNDING_PAGE}"
        with urllib.request.urlopen(url, timeout=30) as answer:
            page = json.load(answer)
        if not page:
            break
        rows.extend(page)
        if len(page) < FUNDING_PAGE:
            break
        cursor = page[-1]["fundingTime"] + 1
    return rows


def exchange_info() -> dict:
    def contract(symbol, base, kind="PERPETUAL", status="TRADING"):
        return {"symbol": symbol, "pair": base + "USDT", "contractType": kind, "status": status,
                "baseAsset": base, "quoteAsset": "USDT", "marginAsset": "USDT"}
    return {"timezone": "UTC", "serverTime": END,
            "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400}],
            "symbols": [contract("BTCUSDT", "BTC"), contract("ETHUSDT", "ETH"), contract("SOLUSDT", "SOL"),
                        contract("BTCUSDT_240628", "BTC", kind="CURRENT_QUARTER"),
                        contract("LUNAUSDT", "LUNA", status="SETTLING")]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--live", action="store_true", help="record the real API instead of synthesizing")
    args = parser.parse_args()
    os.makedirs(os.path.join(OUT, "klines"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "fundingRate"), exist_ok=True)
    for symbol, interval, price, seed in SERIES:
        rows = live(symbol, interval) if args.live else synthesize(symbol, price, seed)
        for n, i in enumerate(range(0, len(rows), PAGE), start=1):
            path = os.path.join(OUT, "klines", f"{symbol}-{interval}-{n}.json")
            with open(path, "w") as f:
                f.write("[\n" + ",\n".join(json.dumps(r, separators=(",", ":")) for r in rows[i:i + PAGE]) + "\n]\n")
        funding = live_funding(symbol) if args.live else synthesize_funding(symbol, rows, seed)
        for n, i in enumerate(range(0, len(funding), FUNDING_PAGE), start=1):
            path = os.path.join(OUT, "fundingRate", f"{symbol}-{n}.json")
            with open(path, "w") as f:
                f.write("[\n" + ",\n".join(json.dumps(r, separators=(",", ":")) for r in funding[i:i + FUNDING_PAGE]) + "\n]\n")
    info = exchange_info()
    if args.live:
        with urllib.request.urlopen(f"{BASE}/fapi/v1/exchangeInfo", timeout=30) as answer:
            info = json.load(answer)
    with open(os.path.join(OUT, "exchangeInfo.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
