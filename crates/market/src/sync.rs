//! DB-first sync (reference §19.2): read what the store holds for the range, fetch only the missing candle
//! ranges from the source, write them; only closed candles are stored. A futures pair's funding events are
//! synced over the same range the same way ([`sync_funding`]): only the parts of the range the store does not
//! hold in full are asked of the source. Incremental sync continues after the newest stored candle.
//! Freshness is how long ago the newest stored candle closed.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;
use tradai_domain::entities::{Symbol, Timeframe};
use tradai_domain::ports::{CandleSource, MarketStore, Series};
use tradai_domain::{DomainError, Result};

/// A `[start, end)` range of times in ms.
pub use tradai_domain::ports::Span;

/// How long after its funding instant an event is asked for: the exchange publishes it when it settles, a
/// moment after the instant, so the newest hour is left to the next sync rather than recorded as complete
/// without its event.
pub const FUNDING_SETTLE_MS: i64 = 3_600_000;

/// What one sync of one series did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncOutcome {
    pub symbol: Symbol,
    pub timeframe: Timeframe,
    /// The range synced, aligned to the timeframe and ending at the last closed candle.
    pub range: Span,
    /// Candles of the range the store already held.
    pub already_stored: usize,
    /// Ranges that were missing and were asked of the source.
    pub fetched_ranges: Vec<Span>,
    /// Candles the source returned and the store took.
    pub fetched: usize,
    /// The funding sync of the same range; none for a pair that is not a futures pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funding: Option<FundingOutcome>,
}

/// What one funding sync of one perpetual did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundingOutcome {
    /// The range synced: the candle range, ending at most [`FUNDING_SETTLE_MS`] before now.
    pub range: Span,
    /// Events of the range the store already held.
    pub already_stored: usize,
    /// Parts of the range the store did not hold in full, asked of the source (and now held in full).
    pub fetched_ranges: Vec<Span>,
    /// Events the source returned for them, all written.
    pub fetched: usize,
    /// Events of the range the store holds now.
    pub stored: usize,
}

/// The missing sub-ranges of `range` given the stored open times, coalesced, oldest first.
pub fn missing(range: Span, step: i64, stored: &HashSet<i64>) -> Vec<Span> {
    let mut gaps: Vec<Span> = Vec::new();
    let mut at = range.start;
    while at < range.end {
        if !stored.contains(&at) {
            match gaps.last_mut() {
                Some(gap) if gap.end == at => gap.end = at + step,
                _ => gaps.push(Span {
                    start: at,
                    end: at + step,
                }),
            }
        }
        at += step;
    }
    gaps
}

/// Sync `[start, end)` of a series: fetch only what the store lacks. `now` (ms) bounds the range to closed
/// candles. A futures pair's funding events over the same range are synced too ([`sync_funding`]); a failure
/// of either fails the sync (the candles already written stay).
pub async fn sync_range(
    store: &dyn MarketStore,
    source: &dyn CandleSource,
    symbol: &Symbol,
    timeframe: Timeframe,
    (start, end): (i64, i64),
    now: i64,
) -> Result<SyncOutcome> {
    let step = timeframe.millis();
    let start = start.div_euclid(step) * step;
    let end = end.min(now).div_euclid(step) * step;
    let range = Span {
        start,
        end: end.max(start),
    };
    let stored: HashSet<i64> = store
        .read(symbol, timeframe, range.start, range.end)
        .await?
        .iter()
        .map(|c| c.open_time)
        .collect();
    let fetched_ranges = missing(range, step, &stored);
    let mut fetched = 0;
    for gap in &fetched_ranges {
        let candles = source
            .candles(symbol, timeframe, gap.start, gap.end)
            .await?;
        let inside: Vec<_> = candles
            .into_iter()
            .filter(|c| (gap.start..gap.end).contains(&c.open_time))
            .collect();
        fetched += store.write(symbol, timeframe, &inside).await?;
    }
    tracing::info!(%symbol, %timeframe, already = stored.len(), fetched, gaps = fetched_ranges.len(), "synced");
    let funding = sync_funding(store, source, symbol, (range.start, range.end), now).await?;
    Ok(SyncOutcome {
        symbol: symbol.clone(),
        timeframe,
        range,
        already_stored: stored.len(),
        fetched_ranges,
        fetched,
        funding,
    })
}

/// Sync the funding events of `[start, end)` of a perpetual, DB-first: the parts of the range the store does
/// not hold in full ([`MarketStore::funding_coverage`]) are asked of the source, written, and recorded as held
/// in full, so no later sync asks for them again (a month synced whole once it has ended never is). The range
/// ends at most [`FUNDING_SETTLE_MS`] before `now`. `None` for a pair that is not a futures pair: it pays no
/// funding, and neither the store nor the source is asked.
pub async fn sync_funding(
    store: &dyn MarketStore,
    source: &dyn CandleSource,
    symbol: &Symbol,
    (start, end): (i64, i64),
    now: i64,
) -> Result<Option<FundingOutcome>> {
    if !symbol.is_futures() {
        return Ok(None);
    }
    let range = Span {
        start,
        end: end.min(now.saturating_sub(FUNDING_SETTLE_MS)).max(start),
    };
    let covered = store
        .funding_coverage(symbol, range.start, range.end)
        .await?;
    let fetched_ranges = range.without(&covered);
    let mut times: BTreeSet<i64> = store
        .read_funding(symbol, range.start, range.end)
        .await?
        .iter()
        .map(|e| e.time)
        .collect();
    let already_stored = times.len();
    let mut fetched = 0;
    for gap in &fetched_ranges {
        let events: Vec<_> = source
            .funding_rates(symbol, gap.start, gap.end)
            .await?
            .into_iter()
            .filter(|e| (gap.start..gap.end).contains(&e.time))
            .collect();
        fetched += store.write_funding_span(symbol, *gap, &events).await?;
        times.extend(events.iter().map(|e| e.time));
    }
    tracing::info!(%symbol, already = already_stored, fetched, gaps = fetched_ranges.len(), "funding synced");
    Ok(Some(FundingOutcome {
        range,
        already_stored,
        fetched_ranges,
        fetched,
        stored: times.len(),
    }))
}

/// Sync from the candle after the newest stored one up to `now`; a series with nothing stored starts at
/// `first_start`, which is then required.
pub async fn sync_incremental(
    store: &dyn MarketStore,
    source: &dyn CandleSource,
    symbol: &Symbol,
    timeframe: Timeframe,
    first_start: Option<i64>,
    now: i64,
) -> Result<SyncOutcome> {
    let start = match store.coverage(symbol, timeframe).await? {
        Some(series) => series.last + timeframe.millis(),
        None => first_start.ok_or_else(|| {
            DomainError::validation(
                "start_date",
                format!("nothing is stored for {symbol} {timeframe}; give start_date for its first sync"),
            )
        })?,
    };
    sync_range(store, source, symbol, timeframe, (start, now), now).await
}

/// How fresh one stored series is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Freshness {
    pub symbol: Symbol,
    pub timeframe: Timeframe,
    /// Open time (ms) of the newest stored candle.
    pub last_candle: i64,
    /// Seconds since the newest stored candle closed.
    pub age_seconds: i64,
    /// Whether that age is within the allowed one.
    pub fresh: bool,
}

/// Freshness of `series` at `now` (ms), allowing `max_age_seconds` (default: two candles).
pub fn freshness(series: &Series, now: i64, max_age_seconds: Option<i64>) -> Freshness {
    let step = series.timeframe.millis();
    let age_seconds = ((now - (series.last + step)) / 1000).max(0);
    let allowed = max_age_seconds.unwrap_or(2 * step / 1000);
    Freshness {
        symbol: series.symbol.clone(),
        timeframe: series.timeframe,
        last_candle: series.last,
        age_seconds,
        fresh: age_seconds <= allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_holes_are_missing() {
        let stored: HashSet<i64> = [0, 10, 40].into_iter().collect();
        let gaps = missing(Span { start: 0, end: 60 }, 10, &stored);
        assert_eq!(
            gaps,
            [Span { start: 20, end: 40 }, Span { start: 50, end: 60 }]
        );
        assert!(missing(Span { start: 0, end: 20 }, 10, &stored).is_empty());
        assert_eq!(
            missing(Span { start: 0, end: 30 }, 10, &HashSet::new()),
            [Span { start: 0, end: 30 }]
        );
    }

    #[test]
    fn freshness_counts_from_the_close_of_the_newest_candle() {
        let series = Series {
            symbol: "BTC/USDT:USDT".parse().expect("symbol"),
            timeframe: Timeframe::H1,
            first: 0,
            last: 3_600_000,
        };
        let at_close = freshness(&series, 7_200_000, None);
        assert_eq!((at_close.age_seconds, at_close.fresh), (0, true));
        let late = freshness(&series, 7_200_000 + 7_201_000, None);
        assert_eq!((late.age_seconds, late.fresh), (7201, false));
        assert!(freshness(&series, 7_200_000 + 7_201_000, Some(10_000)).fresh);
    }
}
