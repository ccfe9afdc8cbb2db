//! Numbers for people: how shares and relative risks are written in the
//! run's report, the model card and the calibration report.

/// A share for people: one decimal and " %", "–" without a value (no
/// bootstrap replicates).
///
/// ```
/// use buitenzicht_score::format::percent;
/// assert_eq!(percent(0.537), "53.7 %");
/// assert_eq!(percent(f64::NAN), "–");
/// ```
pub fn percent(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1} %", 100.0 * v)
    } else {
        "–".into()
    }
}

/// A relative risk for people: two decimals, "∞" when unbounded, "–"
/// without a value. Near 1 (no effect) as many decimals, up to six, as it
/// takes to tell it from 1: an interval from 1.004 excludes no effect,
/// and "1.00" would say the opposite.
///
/// ```
/// use buitenzicht_score::format::number;
/// assert_eq!(number(2.345), "2.35");
/// assert_eq!(number(1.0), "1.00");
/// assert_eq!(number(1.004), "1.004");
/// assert_eq!(number(0.9996), "0.9996");
/// assert_eq!(number(1.000_000_1), "1.00");
/// assert_eq!(number(f64::INFINITY), "∞");
/// assert_eq!(number(f64::NAN), "–");
/// ```
pub fn number(v: f64) -> String {
    if v.is_finite() {
        let digits = (2..=6)
            .find(|&d| v == 1.0 || format!("{v:.d$}") != format!("{:.d$}", 1.0))
            .unwrap_or(2);
        format!("{v:.digits$}")
    } else if v.is_nan() {
        "–".into()
    } else {
        "∞".into()
    }
}

/// A count that may be an expected one: whole as a whole number, else to
/// one decimal.
///
/// ```
/// use buitenzicht_score::format::count;
/// assert_eq!(count(3.0), "3");
/// assert_eq!(count(2.5), "2.5");
/// assert_eq!(count(2.04), "2.0");
/// ```
pub fn count(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A small rate for people: three significant digits however small (a
/// plain building sends a few dumpings per hundred thousand a year, which
/// four decimals would show as "0.0000"), at most twelve decimals.
///
/// ```
/// use buitenzicht_score::format::small_rate;
/// assert_eq!(small_rate(0.0000234567), "0.0000235");
/// assert_eq!(small_rate(0.5), "0.500");
/// assert_eq!(small_rate(12.345), "12.3");
/// assert_eq!(small_rate(0.0009996), "0.00100");
/// assert_eq!(small_rate(0.0), "0");
/// assert_eq!(small_rate(1e-15), "< 0.000000000001");
/// assert_eq!(small_rate(f64::NAN), "–");
/// ```
pub fn small_rate(v: f64) -> String {
    const DECIMALS: i32 = 12;
    if v.is_nan() {
        "–".into()
    } else if v == 0.0 {
        "0".into()
    } else if v.abs() < 10f64.powi(-DECIMALS) {
        format!("< {:.*}", DECIMALS as usize, 10f64.powi(-DECIMALS))
    } else {
        // The magnitude after rounding to three digits: 0.0009996 is
        // 0.00100, not 0.0009996 at four.
        let rounded: f64 = format!("{v:.2e}").parse().unwrap_or(v);
        let digits = (2 - rounded.abs().log10().floor() as i32).clamp(0, DECIMALS) as usize;
        format!("{v:.digits$}")
    }
}

/// An interval for people, its ends written by `f`: "low–high", or "–"
/// when it was not computed.
///
/// ```
/// use buitenzicht_score::format::{interval, number};
/// assert_eq!(interval(1.0, 72.0, number), "1.00–72.00");
/// assert_eq!(interval(f64::NAN, f64::NAN, number), "–");
/// ```
pub fn interval(low: f64, high: f64, f: fn(f64) -> String) -> String {
    if low.is_nan() || high.is_nan() {
        "–".into()
    } else {
        format!("{}–{}", f(low), f(high))
    }
}
