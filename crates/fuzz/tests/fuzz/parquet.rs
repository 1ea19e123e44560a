//! Parquet decoding: a market file, however damaged, decodes to candles or is refused as corrupt.

use tradai_domain::entities::Candle;
use tradai_fuzz::Target;

fn candles() -> Vec<Candle> {
    (0..48)
        .map(|h| {
            let p = 40_000.0 + f64::from(h) * 10.0;
            Candle {
                open_time: 1_704_067_200_000 + i64::from(h) * 3_600_000,
                open: p,
                high: p + 5.0,
                low: p - 5.0,
                close: p + 1.0,
                volume: 12.5,
            }
        })
        .collect()
}

#[test]
fn parquet() {
    let file = tradai_market::encode(&candles()).expect("encodes");
    Target::new("parquet")
        .seed(file)
        .run(|input| match tradai_market::decode(input.to_vec()) {
            Ok(decoded) if decoded.len() > 1_000_000 => {
                Err(format!("{} candles from a small file", decoded.len()))
            }
            Ok(_) | Err(_) => Ok(()),
        });
}
