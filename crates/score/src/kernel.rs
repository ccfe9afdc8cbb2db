//! The quartic (biweight) kernel, as used by QGIS's and ArcGIS's kernel
//! density tools.
//!
//! K(d) = 3 / (π h²) · (1 − (d/h)²)²   for d < h, and 0 beyond.
//!
//! It integrates to 1 over the plane, so a density built from it is in
//! "weighted features per m²".

/// The quartic kernel at distance `d` for bandwidth `h` (both metres).
///
/// ```
/// use buitenzicht_score::kernel::quartic;
/// let h = 1_000.0;
/// assert!((quartic(0.0, h) - 3.0 / (std::f64::consts::PI * h * h)).abs() < 1e-15);
/// assert_eq!(quartic(h, h), 0.0);
/// assert_eq!(quartic(2.0 * h, h), 0.0);
/// ```
pub fn quartic(d: f64, h: f64) -> f64 {
    quartic_squared(d * d, h)
}

/// The quartic kernel from the squared distance, which saves a square root
/// in the density loops.
pub fn quartic_squared(d2: f64, h: f64) -> f64 {
    let h2 = h * h;
    if d2 >= h2 {
        return 0.0;
    }
    let u = 1.0 - d2 / h2;
    3.0 / (std::f64::consts::PI * h2) * u * u
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel integrates to 1: ∫0^h K(r) 2πr dr = 1 (closed form).
    #[test]
    fn integrates_to_one() {
        let h = 750.0;
        let n = 200_000;
        let dr = h / n as f64;
        let integral: f64 = (0..n)
            .map(|i| {
                let r = (i as f64 + 0.5) * dr;
                quartic(r, h) * std::f64::consts::TAU * r * dr
            })
            .sum();
        assert!((integral - 1.0).abs() < 1e-9, "integral {integral}");
    }

    /// Half-way out the kernel is (3/4)² = 9/16 of its peak.
    #[test]
    fn half_bandwidth_value() {
        let h = 500.0;
        assert!((quartic(250.0, h) / quartic(0.0, h) - 9.0 / 16.0).abs() < 1e-12);
    }
}
