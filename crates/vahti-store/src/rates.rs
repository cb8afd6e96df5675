//! The Finnish reference rate of the Interest Act per half-year, kept as data so a new rate needs
//! no release. A migration seeds the known rates.

use diesel::prelude::*;
use rust_decimal::Decimal;

use crate::Tx;
use crate::convert::parse_column;
use crate::error::StoreError;
use crate::reuse::ReuseExt;
use crate::rows::ReferenceRateRow;
use crate::schema::reference_rates;
use crate::store::per_backend;

/// The reference rate of one half-year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceRate {
    /// The year.
    pub year: i32,
    /// 1 for January to June, 2 for July to December.
    pub half: i32,
    /// The rate in percent, such as 2.50.
    pub rate: Decimal,
}

impl TryFrom<ReferenceRateRow> for ReferenceRate {
    type Error = StoreError;

    fn try_from(row: ReferenceRateRow) -> Result<Self, StoreError> {
        Ok(ReferenceRate {
            year: row.year,
            half: row.half,
            rate: parse_column("reference_rates", "rate", &row.rate)?,
        })
    }
}

/// Lists all stored rates, oldest first.
pub fn list(tx: &mut Tx<'_>) -> Result<Vec<ReferenceRate>, StoreError> {
    let rows: Vec<ReferenceRateRow> = per_backend!(tx, |connection| {
        reference_rates::table
            .order((reference_rates::year, reference_rates::half))
            .select(ReferenceRateRow::as_select())
            .load(connection)
    })
    .map_err(|error| tx.error(error))?;
    rows.into_iter().map(ReferenceRate::try_from).collect()
}

/// Returns the rate of one half-year, or `None` when it is not stored yet.
pub fn get(tx: &mut Tx<'_>, year: i32, half: i32) -> Result<Option<ReferenceRate>, StoreError> {
    let row: Option<ReferenceRateRow> = reference_rates::table
        .find((year, half))
        .select(ReferenceRateRow::as_select())
        .first(tx.connection())
        .optional()
        .map_err(|error| tx.error(error))?;
    row.map(ReferenceRate::try_from).transpose()
}

/// Stores or replaces the rate of a half-year.
///
/// Fails with [`StoreError::InvalidInput`] when `half` is not 1 or 2.
pub fn set(tx: &mut Tx<'_>, rate: &ReferenceRate) -> Result<(), StoreError> {
    if !(1..=2).contains(&rate.half) {
        return Err(StoreError::InvalidInput {
            field: "half",
            detail: format!("half-year {} must be 1 or 2", rate.half),
        });
    }
    let backend = tx.backend();
    let text = rate.rate.to_string();
    per_backend!(tx, |connection| {
        diesel::insert_into(reference_rates::table)
            .values((
                reference_rates::year.eq(rate.year),
                reference_rates::half.eq(rate.half),
                reference_rates::rate.eq(&text),
            ))
            .on_conflict((reference_rates::year, reference_rates::half))
            .do_update()
            .set(reference_rates::rate.eq(&text))
            .reusable()
            .execute(connection)
    })
    .map_err(|error| StoreError::from_diesel(backend, error))?;
    tracing::info!(year = rate.year, half = rate.half, rate = %rate.rate, "stored reference rate");
    Ok(())
}
