//! Write the engine bench's candles (`synthetic::walk(42, N, 1h)`) as Parquet, for the pandas baseline:
//! `cargo run --release -p tradai-backtest --example write_candles -- OUT.parquet [N]`. Also prints the engine's
//! result on them, to compare with the baseline's.

use tradai_backtest::synthetic;
use tradai_domain::entities::Timeframe;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: write_candles OUT.parquet [N]")?;
    let n: usize = args.next().map_or(Ok(1_000_000), |n| n.parse())?;
    let candles = synthetic::walk(42, n, Timeframe::H1);
    std::fs::write(&out, tradai_market::encode(&candles)?)?;
    println!("{n} candles → {out}");
    let report = tradai_backtest::run(
        &synthetic::sma_crossover(),
        &candles,
        &tradai_backtest::Settings::default(),
    )?;
    let m = &report.metrics;
    println!(
        "{{\"engine\": \"rust\", \"final_balance\": {:e}, \"trades\": {}, \"max_drawdown\": {}, \"sharpe\": {}}}",
        m.final_balance, m.trade_count, m.max_drawdown, m.sharpe_ratio
    );
    Ok(())
}
