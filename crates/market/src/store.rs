//! The market-data store on the object-store port: Parquet objects laid out by [`crate::layout`]. Writes
//! merge into each period's object and replace it whole with a conditional put, so a reader sees the old or
//! the new object, never a mix, and two writers of one period both keep their candles; every candle is checked
//! before anything is written. Funding events are kept the same way, one object per symbol and month under
//! `funding/`, with the spans of the month known in full inside the same object.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tradai_domain::entities::{Candle, FundingRate, Symbol, Timeframe};
use tradai_domain::ports::{Expected, MarketStore, ObjectStore, Series, Span, StoredObject};
use tradai_domain::{DomainError, ExternalKind, Result};

use crate::columnar::{self, FundingFile};
use crate::layout::{self, ROOT};

const CONTENT_TYPE: &str = "application/vnd.apache.parquet";

/// Candles in a bucket (`tradai-arcticdb-<env>`).
#[derive(Clone)]
pub struct ParquetStore {
    objects: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for ParquetStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetStore").finish_non_exhaustive()
    }
}

impl ParquetStore {
    /// The store over `objects`.
    pub fn new(objects: Arc<dyn ObjectStore>) -> Self {
        ParquetStore { objects }
    }

    /// The periods of a series with their spans, oldest first.
    async fn periods(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
    ) -> Result<Vec<(String, i64, i64)>> {
        let keys = self
            .objects
            .list(&layout::series_prefix(symbol, timeframe))
            .await?;
        let mut periods: Vec<_> = keys
            .iter()
            .filter_map(|key| layout::parse_key(key))
            .filter_map(|(_, _, period)| layout::period_span(&period).map(|(s, e)| (period, s, e)))
            .collect();
        periods.sort_by_key(|p| p.1);
        Ok(periods)
    }

    async fn load(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        period: &str,
    ) -> Result<Vec<Candle>> {
        Ok(self.load_versioned(symbol, timeframe, period).await?.0)
    }

    /// The period's candles and what a write replacing them expects to find.
    async fn load_versioned(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        period: &str,
    ) -> Result<(Vec<Candle>, Expected)> {
        let key = layout::object_key(symbol, timeframe, period);
        match self.objects.get_versioned(&key).await? {
            // Decoding is CPU work: off the async workers (`off_workers`).
            Some((object, version)) => Ok((
                off_workers(move || columnar::decode(object.body))
                    .await?
                    .map_err(|e| DomainError::Configuration(format!("{key}: {e}")))?,
                Expected::Version(version),
            )),
            None => Ok((Vec::new(), Expected::Absent)),
        }
    }

    /// Merge `fresh` into the period's object: read it, merge, and write it back only if no other writer
    /// replaced it meanwhile (a conditional put); when one did, merge again over theirs, so concurrent syncs
    /// of one period lose no candle.
    async fn merge(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        period: &str,
        fresh: Vec<Candle>,
    ) -> Result<()> {
        let key = layout::object_key(symbol, timeframe, period);
        for _ in 0..MERGE_ATTEMPTS {
            let (stored, expected) = self.load_versioned(symbol, timeframe, period).await?;
            let mut merged: BTreeMap<i64, Candle> =
                stored.into_iter().map(|c| (c.open_time, c)).collect();
            merged.extend(fresh.iter().map(|c| (c.open_time, *c)));
            let rows: Vec<Candle> = merged.into_values().collect();
            let count = rows.len();
            let object = StoredObject {
                body: off_workers(move || columnar::encode(&rows)).await??,
                content_type: CONTENT_TYPE.into(),
                metadata: BTreeMap::from([
                    ("symbol".to_owned(), symbol.to_string()),
                    ("timeframe".to_owned(), timeframe.to_string()),
                    ("rows".to_owned(), count.to_string()),
                ]),
            };
            if self.objects.put_if(&key, object, &expected).await? {
                return Ok(());
            }
            tracing::debug!(
                key,
                "another writer replaced the period first; merging again"
            );
        }
        Err(DomainError::external(
            "market store",
            ExternalKind::Unavailable,
            format!("{key} kept changing under {MERGE_ATTEMPTS} merges; try the sync again"),
        ))
    }
}

/// How many times one period's merge is tried against other writers before giving up.
const MERGE_ATTEMPTS: usize = 8;

/// The longest span one `write_funding_span` call may mark (about a century): a span is a sync's range, never
/// more, and each of its months is an object to write.
const MAX_COVER_DAYS: i64 = 36_525;
const DAY_MS: i64 = 86_400_000;

/// Funding is a perpetual's: a spot pair has none to store.
fn futures_only(symbol: &Symbol) -> Result<()> {
    if symbol.is_futures() {
        Ok(())
    } else {
        Err(DomainError::validation(
            "funding",
            format!("{symbol} is not a futures pair; only futures pay funding"),
        ))
    }
}

/// Refused whole when the pair is spot or an event is invalid.
fn checked(symbol: &Symbol, events: &[FundingRate]) -> Result<()> {
    futures_only(symbol)?;
    match events.iter().find_map(FundingRate::problem) {
        Some(problem) => Err(DomainError::validation(
            "funding",
            format!("{symbol}: {problem}"),
        )),
        None => Ok(()),
    }
}

/// Events by the month of their time.
fn by_month(events: &[FundingRate]) -> BTreeMap<String, Vec<FundingRate>> {
    let mut months: BTreeMap<String, Vec<FundingRate>> = BTreeMap::new();
    for event in events {
        months
            .entry(layout::month_of(event.time))
            .or_default()
            .push(*event);
    }
    months
}

/// The part of `span` inside `within`, if any.
fn clip(span: Span, within: Span) -> Option<Span> {
    let clipped = Span {
        start: span.start.max(within.start),
        end: span.end.min(within.end),
    };
    (!clipped.is_empty()).then_some(clipped)
}

impl ParquetStore {
    /// The months of a symbol's funding history with their spans, oldest first.
    async fn funding_months(&self, symbol: &Symbol) -> Result<Vec<(String, Span)>> {
        let keys = self.objects.list(&layout::funding_prefix(symbol)).await?;
        let mut months: Vec<(String, Span)> = keys
            .iter()
            .filter_map(|key| layout::parse_funding_key(key))
            .filter(|(stored, _)| stored == symbol)
            .filter_map(|(_, month)| {
                layout::period_span(&month).map(|(start, end)| (month, Span { start, end }))
            })
            .collect();
        months.sort_by_key(|(_, span)| span.start);
        Ok(months)
    }

    /// The stored months of a symbol's funding history overlapping `[start, end)`, loaded.
    async fn funding_files(
        &self,
        symbol: &Symbol,
        start: i64,
        end: i64,
    ) -> Result<Vec<FundingFile>> {
        let mut files = Vec::new();
        for (month, span) in self.funding_months(symbol).await? {
            if span.end > start && span.start < end {
                files.push(self.load_funding(symbol, &month).await?.0);
            }
        }
        Ok(files)
    }

    /// One month's funding file and what a write replacing it expects to find.
    async fn load_funding(&self, symbol: &Symbol, month: &str) -> Result<(FundingFile, Expected)> {
        let key = layout::funding_key(symbol, month);
        match self.objects.get_versioned(&key).await? {
            Some((object, version)) => Ok((
                off_workers(move || columnar::decode_funding(object.body))
                    .await?
                    .map_err(|e| DomainError::Configuration(format!("{key}: {e}")))?,
                Expected::Version(version),
            )),
            None => Ok((FundingFile::default(), Expected::Absent)),
        }
    }

    /// Merge `fresh` events and the `covered` span into one month's funding object, conditionally on the
    /// version read, and again over another writer's object when one replaced it first (as [`Self::merge`]).
    async fn merge_funding(
        &self,
        symbol: &Symbol,
        month: &str,
        fresh: &[FundingRate],
        covered: Option<Span>,
    ) -> Result<()> {
        let key = layout::funding_key(symbol, month);
        for _ in 0..MERGE_ATTEMPTS {
            let (stored, expected) = self.load_funding(symbol, month).await?;
            let mut events: BTreeMap<i64, FundingRate> =
                stored.events.into_iter().map(|e| (e.time, e)).collect();
            events.extend(fresh.iter().map(|e| (e.time, *e)));
            let file = FundingFile {
                events: events.into_values().collect(),
                covered: Span::union(stored.covered.into_iter().chain(covered)),
            };
            let count = file.events.len();
            let object = StoredObject {
                body: off_workers(move || columnar::encode_funding(&file)).await??,
                content_type: CONTENT_TYPE.into(),
                metadata: BTreeMap::from([
                    ("symbol".to_owned(), symbol.to_string()),
                    ("rows".to_owned(), count.to_string()),
                ]),
            };
            if self.objects.put_if(&key, object, &expected).await? {
                return Ok(());
            }
            tracing::debug!(
                key,
                "another writer replaced the funding month first; merging again"
            );
        }
        Err(DomainError::external(
            "market store",
            ExternalKind::Unavailable,
            format!("{key} kept changing under {MERGE_ATTEMPTS} merges; try the sync again"),
        ))
    }
}

/// Run CPU work (Parquet encoding and decoding of up to a month of candles) on the blocking pool, so the
/// service's async workers keep answering (health within its bound) while a large sync or read runs.
async fn off_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| DomainError::Configuration(format!("a Parquet task stopped: {e}")))
}

#[async_trait]
impl MarketStore for ParquetStore {
    async fn read(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        start: i64,
        end: i64,
    ) -> Result<Vec<Candle>> {
        let mut candles = Vec::new();
        for (period, from, to) in self.periods(symbol, timeframe).await? {
            if to <= start || from >= end {
                continue;
            }
            let stored = self.load(symbol, timeframe, &period).await?;
            candles.extend(
                stored
                    .into_iter()
                    .filter(|c| (start..end).contains(&c.open_time)),
            );
        }
        Ok(candles)
    }

    async fn write(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        candles: &[Candle],
    ) -> Result<usize> {
        if let Some(problem) = candles.iter().find_map(|c| c.problem(timeframe)) {
            return Err(DomainError::validation(
                "candles",
                format!("{symbol} {timeframe}: {problem}"),
            ));
        }
        let mut by_period: BTreeMap<String, Vec<Candle>> = BTreeMap::new();
        for candle in candles {
            by_period
                .entry(layout::period_of(timeframe, candle.open_time))
                .or_default()
                .push(*candle);
        }
        for (period, fresh) in by_period {
            self.merge(symbol, timeframe, &period, fresh).await?;
        }
        Ok(candles.len())
    }

    async fn series(&self) -> Result<Vec<Series>> {
        let mut seen: BTreeMap<(Symbol, Timeframe), ()> = BTreeMap::new();
        for key in self.objects.list(ROOT).await? {
            if let Some((symbol, timeframe, _)) = layout::parse_key(&key) {
                seen.insert((symbol, timeframe), ());
            }
        }
        let mut all = Vec::with_capacity(seen.len());
        for (symbol, timeframe) in seen.into_keys() {
            if let Some(series) = self.coverage(&symbol, timeframe).await? {
                all.push(series);
            }
        }
        Ok(all)
    }

    async fn coverage(&self, symbol: &Symbol, timeframe: Timeframe) -> Result<Option<Series>> {
        let periods = self.periods(symbol, timeframe).await?;
        let mut first = None;
        for (period, _, _) in &periods {
            if let Some(c) = self.load(symbol, timeframe, period).await?.first() {
                first = Some(c.open_time);
                break;
            }
        }
        let mut last = None;
        for (period, _, _) in periods.iter().rev() {
            if let Some(c) = self.load(symbol, timeframe, period).await?.last() {
                last = Some(c.open_time);
                break;
            }
        }
        Ok(first.zip(last).map(|(first, last)| Series {
            symbol: symbol.clone(),
            timeframe,
            first,
            last,
        }))
    }

    async fn read_funding(
        &self,
        symbol: &Symbol,
        start: i64,
        end: i64,
    ) -> Result<Vec<FundingRate>> {
        Ok(self
            .funding_files(symbol, start, end)
            .await?
            .into_iter()
            .flat_map(|file| file.events)
            .filter(|e| (start..end).contains(&e.time))
            .collect())
    }

    async fn write_funding(&self, symbol: &Symbol, events: &[FundingRate]) -> Result<usize> {
        if events.is_empty() {
            return Ok(0);
        }
        checked(symbol, events)?;
        for (month, fresh) in by_month(events) {
            self.merge_funding(symbol, &month, &fresh, None).await?;
        }
        Ok(events.len())
    }

    async fn write_funding_span(
        &self,
        symbol: &Symbol,
        span: Span,
        events: &[FundingRate],
    ) -> Result<usize> {
        if let Some(outside) = events
            .iter()
            .find(|e| !(span.start..span.end).contains(&e.time))
        {
            return Err(DomainError::validation(
                "funding",
                format!(
                    "{symbol}: the event at {} is outside the span [{}, {})",
                    outside.time, span.start, span.end
                ),
            ));
        }
        if span.is_empty() {
            return Ok(0);
        }
        checked(symbol, events)?;
        if span.start < 0 {
            return Err(DomainError::validation(
                "funding",
                format!(
                    "{symbol}: a covered span starting at {} is before 1970",
                    span.start
                ),
            ));
        }
        if span.end.saturating_sub(span.start) > MAX_COVER_DAYS * DAY_MS {
            return Err(DomainError::validation(
                "funding",
                format!(
                    "{symbol}: a covered span of {} days; at most {MAX_COVER_DAYS}",
                    (span.end - span.start) / DAY_MS
                ),
            ));
        }
        let mut fresh = by_month(events);
        for (month, within) in layout::months(span) {
            if let Some(part) = clip(span, within) {
                let events = fresh.remove(&month).unwrap_or_default();
                self.merge_funding(symbol, &month, &events, Some(part))
                    .await?;
            }
        }
        Ok(events.len())
    }

    async fn funding_coverage(&self, symbol: &Symbol, start: i64, end: i64) -> Result<Vec<Span>> {
        let range = Span { start, end };
        Ok(Span::union(
            self.funding_files(symbol, start, end)
                .await?
                .into_iter()
                .flat_map(|file| file.covered)
                .filter_map(|covered| clip(covered, range)),
        ))
    }
}
