//! Instants for the date operators (spec §4.3): an RFC 3339 date-time (`T` or `t`, seconds
//! 00–59, an optional fraction of up to nine digits, and a required offset `Z`, `z` or `±hh:mm`),
//! a date `YYYY-MM-DD` (midnight UTC), or a signed integer of epoch seconds within the years
//! 0000–9999. Compared as instants at nanosecond precision.
//!
//! The grammar is checked here, byte by byte, because general date parsers accept more than
//! RFC 3339 (a space for `T`, `+hhmm`, leap seconds, annotations); calendar arithmetic is `jiff`'s.

use jiff::civil::DateTime;
use thiserror::Error;

/// A point in time: nanoseconds since 1970-01-01T00:00:00Z. Covers the years 0000–9999 (which
/// `jiff::Timestamp` does not quite: it stops a day short of 9999-12-31 so that every offset
/// stays in range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i128);

impl Instant {
    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(self) -> i128 {
        self.0
    }
}

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InstantError {
    /// Not one of the accepted forms.
    #[error("is not an RFC 3339 date-time with an offset (2024-01-31T08:00:00Z), a date (2024-01-31) or epoch seconds")]
    Syntax,
    /// Well formed, but no such date or time (month 13, second 60, Feb 30, year beyond 0000–9999).
    #[error("is not a valid date or time: {0}")]
    Invalid(String),
}

/// Reads a date value.
///
/// ```
/// use ramjet_engine::value::parse_instant;
/// let a = parse_instant("2024-01-01T08:00:00+08:00").unwrap();
/// let b = parse_instant("2024-01-01").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(parse_instant("1704067200").unwrap(), b);
/// assert!(parse_instant("2024-01-01 00:00:00Z").is_err());
/// ```
pub fn parse_instant(text: &str) -> Result<Instant, InstantError> {
    let bytes = text.as_bytes();
    if is_epoch_seconds(bytes) {
        return epoch_seconds(text);
    }
    let date = bytes.get(..10).ok_or(InstantError::Syntax)?;
    let (year, month, day) = parse_date(date)?;
    let rest = bytes.get(10..).unwrap_or_default();
    if rest.is_empty() {
        return to_instant(year, month, day, 0, 0, 0, 0, 0);
    }
    let (hour, minute, second, nanos, offset) = parse_time(rest)?;
    to_instant(year, month, day, hour, minute, second, nanos, offset)
}

fn is_epoch_seconds(bytes: &[u8]) -> bool {
    let digits = match bytes.first() {
        Some(b'+' | b'-') => bytes.get(1..).unwrap_or_default(),
        _ => bytes,
    };
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

fn epoch_seconds(text: &str) -> Result<Instant, InstantError> {
    const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    let seconds: i64 = text
        .parse()
        .map_err(|_| InstantError::Invalid("epoch seconds beyond the years 0000-9999".into()))?;
    if !(MIN..=MAX).contains(&seconds) {
        return Err(InstantError::Invalid(
            "epoch seconds beyond the years 0000-9999".into(),
        ));
    }
    Ok(Instant(i128::from(seconds) * NANOS_PER_SECOND))
}

fn digits(bytes: &[u8]) -> Result<i32, InstantError> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(InstantError::Syntax);
    }
    Ok(bytes
        .iter()
        .fold(0i32, |acc, b| acc * 10 + i32::from(b - b'0')))
}

fn field(bytes: &[u8], from: usize, to: usize) -> Result<i32, InstantError> {
    digits(bytes.get(from..to).ok_or(InstantError::Syntax)?)
}

fn expect(bytes: &[u8], at: usize, allowed: &[u8]) -> Result<(), InstantError> {
    match bytes.get(at) {
        Some(b) if allowed.contains(b) => Ok(()),
        _ => Err(InstantError::Syntax),
    }
}

/// `YYYY-MM-DD`
fn parse_date(bytes: &[u8]) -> Result<(i32, i32, i32), InstantError> {
    expect(bytes, 4, b"-")?;
    expect(bytes, 7, b"-")?;
    Ok((
        field(bytes, 0, 4)?,
        field(bytes, 5, 7)?,
        field(bytes, 8, 10)?,
    ))
}

/// `Thh:mm:ss[.fraction](Z|±hh:mm)`, returning the offset in seconds.
fn parse_time(bytes: &[u8]) -> Result<(i32, i32, i32, i32, i32), InstantError> {
    expect(bytes, 0, b"Tt")?;
    expect(bytes, 3, b":")?;
    expect(bytes, 6, b":")?;
    let (hour, minute, second) = (
        field(bytes, 1, 3)?,
        field(bytes, 4, 6)?,
        field(bytes, 7, 9)?,
    );
    let mut at = 9;
    let mut nanos = 0;
    if bytes.get(at) == Some(&b'.') {
        let fraction_len = bytes
            .get(at + 1..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if fraction_len == 0 {
            return Err(InstantError::Syntax);
        }
        if fraction_len > 9 {
            return Err(InstantError::Invalid(
                "fraction of a second finer than nanoseconds".into(),
            ));
        }
        let fraction = field(bytes, at + 1, at + 1 + fraction_len)?;
        nanos = fraction * 10i32.pow(9 - fraction_len as u32);
        at += 1 + fraction_len;
    }
    let offset = match bytes.get(at..).unwrap_or_default() {
        b"Z" | b"z" => 0,
        zone if zone.len() == 6 => {
            expect(zone, 0, b"+-")?;
            expect(zone, 3, b":")?;
            let (h, m) = (field(zone, 1, 3)?, field(zone, 4, 6)?);
            if h > 23 || m > 59 {
                return Err(InstantError::Invalid(
                    "offset hours or minutes out of range".into(),
                ));
            }
            let sign = if zone.first() == Some(&b'-') { -1 } else { 1 };
            sign * (h * 3600 + m * 60)
        }
        _ => return Err(InstantError::Syntax),
    };
    Ok((hour, minute, second, nanos, offset))
}

#[allow(clippy::too_many_arguments)]
fn to_instant(
    year: i32,
    month: i32,
    day: i32,
    hour: i32,
    minute: i32,
    second: i32,
    nanos: i32,
    offset_seconds: i32,
) -> Result<Instant, InstantError> {
    let invalid = |e: jiff::Error| InstantError::Invalid(e.to_string());
    let narrow = |v: i32| i8::try_from(v).map_err(|_| InstantError::Syntax);
    if second > 59 {
        return Err(InstantError::Invalid("seconds must be 00-59".into()));
    }
    let year = i16::try_from(year).map_err(|_| InstantError::Syntax)?;
    let datetime = DateTime::new(
        year,
        narrow(month)?,
        narrow(day)?,
        narrow(hour)?,
        narrow(minute)?,
        narrow(second)?,
        nanos,
    )
    .map_err(invalid)?;
    let since_epoch = datetime.duration_since(DateTime::constant(1970, 1, 1, 0, 0, 0, 0));
    Ok(Instant(
        since_epoch.as_nanos() - i128::from(offset_seconds) * NANOS_PER_SECOND,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_forms_denote_the_same_instant() {
        let utc = parse_instant("2024-01-01T00:00:00Z").unwrap();
        for same in [
            "2024-01-01T08:00:00+08:00",
            "2023-12-31T19:00:00-05:00",
            "2024-01-01t00:00:00z",
            "2024-01-01",
            "1704067200",
            "+1704067200",
            "2024-01-01T00:00:00.000000000Z",
        ] {
            assert_eq!(parse_instant(same).unwrap(), utc, "{same}");
        }
        assert!(parse_instant("2024-01-01T00:00:00.5Z").unwrap() > utc);
        assert!(parse_instant("-1").unwrap() < parse_instant("1970-01-01").unwrap());
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for bad in [
            "",
            "2024-01",
            "2024-1-01",
            "2024-01-01T00:00:00",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00Z",
            "2024-01-01T00:00:00+0800",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00Z ",
            "2024-01-01X",
            "١٩٧٠-01-01",
        ] {
            assert!(parse_instant(bad).is_err(), "{bad:?} accepted");
        }
        for invalid in [
            "2024-13-01",
            "2023-02-29",
            "2024-01-01T24:00:00Z",
            "2024-01-01T23:59:60Z",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00.1234567891Z",
            "253402300800",
            "99999999999999999999999",
        ] {
            assert!(
                matches!(parse_instant(invalid), Err(InstantError::Invalid(_))),
                "{invalid:?}: {:?}",
                parse_instant(invalid)
            );
        }
    }

    #[test]
    fn years_0000_and_9999_are_in_range() {
        assert!(parse_instant("0000-01-01T00:00:00Z").is_ok());
        assert!(parse_instant("9999-12-31T23:59:59.999999999Z").is_ok());
        assert!(parse_instant("-62167219200").is_ok());
    }
}
