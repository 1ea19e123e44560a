//! Candles as Parquet: one row group, columns `date` (INT64 timestamp in ms, UTC), `open`, `high`, `low`,
//! `close`, `volume` (DOUBLE), Snappy-compressed — the reference §20 schema, readable by pandas/pyarrow.
//!
//! Funding events as Parquet too ([`encode_funding`]): columns `date` (the same timestamp) and `rate`
//! (DOUBLE), with the spans whose events the file holds in full in the file's key-value metadata
//! (`tradai.funding.covered`, JSON `[{"start": ms, "end": ms}]`). One format for the bucket: the same
//! readers (pandas, pyarrow, DuckDB) and the same guarded decoder as candles, and the coverage travels with
//! the events in one object, so one conditional put replaces both.

use std::sync::Arc;

use parquet::basic::Compression;
use parquet::column::reader::ColumnReader;
use parquet::data_type::{DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use tradai_domain::entities::{Candle, FundingRate};
use tradai_domain::ports::Span;
use tradai_domain::{DomainError, Result};

const SCHEMA: &str = "message ohlcv {
  REQUIRED INT64 date (TIMESTAMP(MILLIS,true));
  REQUIRED DOUBLE open;
  REQUIRED DOUBLE high;
  REQUIRED DOUBLE low;
  REQUIRED DOUBLE close;
  REQUIRED DOUBLE volume;
}";

fn corrupt(what: &str, e: impl std::fmt::Display) -> DomainError {
    DomainError::Configuration(format!("{what}: {e}"))
}

/// Encode candles (in the given order) as a Parquet file.
pub fn encode(candles: &[Candle]) -> Result<Vec<u8>> {
    let times: Vec<i64> = candles.iter().map(|c| c.open_time).collect();
    let prices: [fn(&Candle) -> f64; 5] =
        [|c| c.open, |c| c.high, |c| c.low, |c| c.close, |c| c.volume];
    let values = prices.map(|price| candles.iter().map(price).collect::<Vec<f64>>());
    write_columns(SCHEMA, &times, &values, None)
}

/// A Parquet file of `schema` in one row group: the INT64 `times` column, then one DOUBLE column per entry of
/// `values`, with `metadata` as its key-value metadata.
fn write_columns(
    schema: &str,
    times: &[i64],
    values: &[Vec<f64>],
    metadata: Option<Vec<KeyValue>>,
) -> Result<Vec<u8>> {
    let schema = Arc::new(parse_message_type(schema).map_err(|e| corrupt("schema", e))?);
    let properties = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(metadata)
            .build(),
    );
    let mut file = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut file, schema, properties)
        .map_err(|e| corrupt("parquet writer", e))?;
    let mut group = writer
        .next_row_group()
        .map_err(|e| corrupt("row group", e))?;
    let mut index = 0;
    while let Some(mut column) = group.next_column().map_err(|e| corrupt("column", e))? {
        let written = match index {
            0 => column.typed::<Int64Type>().write_batch(times, None, None),
            k => column
                .typed::<DoubleType>()
                .write_batch(&values[k - 1], None, None),
        };
        written.map_err(|e| corrupt("column data", e))?;
        column.close().map_err(|e| corrupt("column", e))?;
        index += 1;
    }
    group.close().map_err(|e| corrupt("row group", e))?;
    writer.close().map_err(|e| corrupt("parquet file", e))?;
    Ok(file)
}

/// Rows a row group may claim: a month of 1 m candles is 44,640; a corrupt count must not size an allocation.
const MAX_ROWS: usize = 1_000_000;

/// The rows a row group claims, refused beyond [`MAX_ROWS`].
fn rows_of(group: &parquet::file::metadata::RowGroupMetaData) -> Result<usize> {
    let rows = usize::try_from(group.num_rows()).unwrap_or(0);
    if rows > MAX_ROWS {
        return Err(corrupt(
            "damaged Parquet file",
            format!("a row group of {rows} rows (at most {MAX_ROWS})"),
        ));
    }
    Ok(rows)
}

/// Decode a file written by [`encode`]; a file of another shape is an error naming what is wrong. A damaged
/// file is an error too: the Parquet reader panics on some corruptions (found by the `parquet` fuzz target),
/// which is caught here, so a bad object in the bucket cannot take down the task reading it.
pub fn decode(file: Vec<u8>) -> Result<Vec<Candle>> {
    guarded(move || decode_checked(file))
}

/// `read`, with a panic of the Parquet reader turned into a "damaged Parquet file" error.
fn guarded<T>(read: impl FnOnce() -> Result<T> + std::panic::UnwindSafe) -> Result<T> {
    std::panic::catch_unwind(read).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(corrupt("damaged Parquet file", what))
    })
}

fn decode_checked(file: Vec<u8>) -> Result<Vec<Candle>> {
    let reader = SerializedFileReader::new(bytes::Bytes::from(file))
        .map_err(|e| corrupt("not a Parquet file", e))?;
    let columns = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .num_columns();
    if columns != 6 {
        return Err(corrupt(
            "unexpected Parquet schema",
            format!("{columns} columns, expected 6"),
        ));
    }
    let (times, values) = read_columns(&reader, 5, "price column")?;
    let candles = times
        .into_iter()
        .enumerate()
        .map(|(i, open_time)| Candle {
            open_time,
            open: values[0][i],
            high: values[1][i],
            low: values[2][i],
            close: values[3][i],
            volume: values[4][i],
        })
        .collect();
    Ok(candles)
}

const FUNDING_SCHEMA: &str = "message funding {
  REQUIRED INT64 date (TIMESTAMP(MILLIS,true));
  REQUIRED DOUBLE rate;
}";

/// The key-value metadata key holding the covered spans of a funding file.
pub const COVERED_KEY: &str = "tradai.funding.covered";

/// One funding file: events (oldest first) and the spans whose events it holds in full.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FundingFile {
    pub events: Vec<FundingRate>,
    pub covered: Vec<Span>,
}

/// Encode a funding file (events in the given order) as Parquet.
pub fn encode_funding(file: &FundingFile) -> Result<Vec<u8>> {
    let covered = serde_json::to_string(&file.covered).map_err(|e| corrupt("covered spans", e))?;
    let times: Vec<i64> = file.events.iter().map(|e| e.time).collect();
    let rates: Vec<f64> = file.events.iter().map(|e| e.rate).collect();
    let metadata = vec![KeyValue::new(COVERED_KEY.to_owned(), covered)];
    write_columns(FUNDING_SCHEMA, &times, &[rates], Some(metadata))
}

/// Every row group of a file whose first column is the INT64 `date` and the next `doubles` are DOUBLE (`what`
/// in errors): the dates, and each double column, every group's rows checked against its claimed count.
fn read_columns(
    reader: &SerializedFileReader<bytes::Bytes>,
    doubles: usize,
    what: &str,
) -> Result<(Vec<i64>, Vec<Vec<f64>>)> {
    let mut times = Vec::new();
    let mut values = vec![Vec::new(); doubles];
    for g in 0..reader.num_row_groups() {
        let group = reader
            .get_row_group(g)
            .map_err(|e| corrupt("row group", e))?;
        let rows = rows_of(group.metadata())?;
        let mut group_times = Vec::with_capacity(rows);
        let mut group_values = vec![Vec::with_capacity(rows); doubles];
        for c in 0..=doubles {
            match group
                .get_column_reader(c)
                .map_err(|e| corrupt("column", e))?
            {
                ColumnReader::Int64ColumnReader(mut r) if c == 0 => {
                    r.read_records(rows, None, None, &mut group_times)
                        .map_err(|e| corrupt("date column", e))?;
                }
                ColumnReader::DoubleColumnReader(mut r) if c > 0 => {
                    r.read_records(rows, None, None, &mut group_values[c - 1])
                        .map_err(|e| corrupt(what, e))?;
                }
                _ => {
                    return Err(corrupt(
                        "unexpected Parquet schema",
                        format!("column {c} has the wrong type"),
                    ))
                }
            }
        }
        if group_times.len() != rows || group_values.iter().any(|v| v.len() != rows) {
            return Err(corrupt(
                "truncated Parquet file",
                format!("{rows} rows expected"),
            ));
        }
        times.extend(group_times);
        for (all, part) in values.iter_mut().zip(group_values) {
            all.extend(part);
        }
    }
    Ok((times, values))
}

/// Decode a file written by [`encode_funding`], guarded as [`decode`] is.
pub fn decode_funding(file: Vec<u8>) -> Result<FundingFile> {
    guarded(move || decode_funding_checked(file))
}

fn decode_funding_checked(file: Vec<u8>) -> Result<FundingFile> {
    let reader = SerializedFileReader::new(bytes::Bytes::from(file))
        .map_err(|e| corrupt("not a Parquet file", e))?;
    let metadata = reader.metadata().file_metadata();
    let columns = metadata.schema_descr().num_columns();
    if columns != 2 {
        return Err(corrupt(
            "unexpected Parquet schema",
            format!("{columns} columns, expected 2 (date, rate)"),
        ));
    }
    let covered = match metadata
        .key_value_metadata()
        .into_iter()
        .flatten()
        .find(|kv| kv.key == COVERED_KEY)
        .and_then(|kv| kv.value.as_deref())
    {
        Some(text) => serde_json::from_str::<Vec<Span>>(text)
            .map_err(|e| corrupt(&format!("{COVERED_KEY} metadata"), e))?,
        None => Vec::new(),
    };
    let (times, mut values) = read_columns(&reader, 1, "rate column")?;
    let events = times
        .into_iter()
        .zip(values.remove(0))
        .map(|(time, rate)| FundingRate { time, rate })
        .collect();
    Ok(FundingFile { events, covered })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn candles_round_trip(rows in proptest::collection::vec((0i64..1_000_000, 0.01f64..1e6, 0.0f64..1e9), 0..300)) {
            let candles: Vec<Candle> = rows
                .into_iter()
                .map(|(t, p, v)| Candle { open_time: t * 60_000, open: p, high: p * 1.01, low: p * 0.99, close: p, volume: v })
                .collect();
            prop_assert_eq!(decode(encode(&candles).expect("encode")).expect("decode"), candles);
        }
    }

    #[test]
    fn other_bytes_are_rejected_with_a_reason() {
        let err = decode(b"PAR1 not really".to_vec()).expect_err("not parquet");
        assert!(err.to_string().contains("not a Parquet file"), "{err}");
        let err = decode_funding(b"PAR1 not really".to_vec()).expect_err("not parquet");
        assert!(err.to_string().contains("not a Parquet file"), "{err}");
    }

    proptest! {
        #[test]
        fn funding_files_round_trip(
            rows in proptest::collection::vec((0i64..100_000, -0.003f64..0.003), 0..200),
            spans in proptest::collection::vec((0i64..1_000, 1i64..100), 0..5),
        ) {
            let file = FundingFile {
                events: rows.into_iter().map(|(t, rate)| FundingRate { time: t * 28_800_000, rate }).collect(),
                covered: spans.into_iter().map(|(s, l)| Span { start: s * 60_000, end: (s + l) * 60_000 }).collect(),
            };
            prop_assert_eq!(decode_funding(encode_funding(&file).expect("encode")).expect("decode"), file);
        }
    }

    #[test]
    fn candle_and_funding_files_are_not_mistaken_for_each_other() {
        let candles = encode(&[]).expect("candles");
        let err = decode_funding(candles).expect_err("six columns");
        assert!(err.to_string().contains("6 columns, expected 2"), "{err}");
        let funding = encode_funding(&FundingFile::default()).expect("funding");
        let err = decode(funding).expect_err("two columns");
        assert!(err.to_string().contains("2 columns, expected 6"), "{err}");
    }
}
