//! Indicators over closes, one value per candle; `NaN` until enough candles exist. (The SMA pair of a
//! crossover is computed in `signals`, fused with the cross.)

/// Exponential moving average, `alpha = 2 / (period + 1)`, seeded with the SMA of the first `period` values.
pub fn ema(values: &[f64], period: usize) -> Vec<f64> {
    let mut out = vec![f64::NAN; values.len()];
    if period == 0 || values.len() < period {
        return out;
    }
    let alpha = 2.0 / (period as f64 + 1.0);
    let mut value = values[..period].iter().sum::<f64>() / period as f64;
    out[period - 1] = value;
    for i in period..values.len() {
        value += alpha * (values[i] - value);
        out[i] = value;
    }
    out
}

/// Wilder's RSI: average gain and loss seeded over the first `period` changes, then smoothed by `1/period`.
pub fn rsi(values: &[f64], period: usize) -> Vec<f64> {
    let mut out = vec![f64::NAN; values.len()];
    if period == 0 || values.len() <= period {
        return out;
    }
    let (mut gain, mut loss) = (0.0, 0.0);
    for i in 1..=period {
        let change = values[i] - values[i - 1];
        if change > 0.0 {
            gain += change;
        } else {
            loss -= change;
        }
    }
    let n = period as f64;
    gain /= n;
    loss /= n;
    let index = |gain: f64, loss: f64| {
        if loss == 0.0 {
            100.0
        } else {
            100.0 - 100.0 / (1.0 + gain / loss)
        }
    };
    out[period] = index(gain, loss);
    for i in period + 1..values.len() {
        let change = values[i] - values[i - 1];
        gain = (gain * (n - 1.0) + change.max(0.0)) / n;
        loss = (loss * (n - 1.0) + (-change).max(0.0)) / n;
        out[i] = index(gain, loss);
    }
    out
}

/// Bollinger bands: `(lower, upper)` = SMA ∓ `k` population standard deviations over `period`.
pub fn bollinger(values: &[f64], period: usize, k: f64) -> (Vec<f64>, Vec<f64>) {
    let mut lower = vec![f64::NAN; values.len()];
    let mut upper = vec![f64::NAN; values.len()];
    if period == 0 || values.len() < period {
        return (lower, upper);
    }
    let n = period as f64;
    for i in period - 1..values.len() {
        let window = &values[i + 1 - period..=i];
        let mean = window.iter().sum::<f64>() / n;
        let variance = window.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let width = k * variance.sqrt();
        lower[i] = mean - width;
        upper[i] = mean + width;
    }
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-9)
    }

    #[test]
    fn textbook_values() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!(
            close(&ema(&v, 3), &[f64::NAN, f64::NAN, 2.0, 3.0, 4.0]),
            "a straight line: the EMA follows"
        );
        assert!(close(
            &ema(&[2.0, 4.0, 6.0, 2.0], 2),
            &[f64::NAN, 3.0, 5.0, 3.0]
        ));
        let up = rsi(&v, 2);
        assert!(
            up[1].is_nan() && up[2] == 100.0 && up[4] == 100.0,
            "only gains: 100"
        );
        let mixed = rsi(&[1.0, 2.0, 1.0, 2.0], 2);
        assert!((mixed[2] - 50.0).abs() < 1e-9, "equal gain and loss: 50");
        assert!(
            (mixed[3] - 75.0).abs() < 1e-9,
            "(0.5·1 + 1)/2 vs (0.5·1)/2: 75, got {}",
            mixed[3]
        );
        let (low, high) = bollinger(&[1.0, 3.0, 1.0, 3.0], 2, 2.0);
        assert!(
            close(&low, &[f64::NAN, 0.0, 0.0, 0.0]) && close(&high, &[f64::NAN, 4.0, 4.0, 4.0])
        );
        assert!(ema(&v, 9).iter().all(|x| x.is_nan()), "too few values");
    }
}
