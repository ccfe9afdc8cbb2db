//! The risk colour ramp: matplotlib's perceptually uniform "inferno"
//! (through `colorous`), with opacity rising with risk so low-risk land
//! stays readable under the map's outlines.

/// A 256-entry RGBA lookup table over risk 0..100.
pub struct ColorRamp {
    lut: [[u8; 4]; 256],
}

impl Default for ColorRamp {
    fn default() -> Self {
        let mut lut = [[0u8; 4]; 256];
        for (i, entry) in lut.iter_mut().enumerate() {
            let t = i as f64 / 255.0;
            let c = colorous::INFERNO.eval_continuous(0.12 + 0.83 * t);
            let alpha = (255.0 * (0.30 + 1.4 * t).min(0.88)).round() as u8;
            *entry = [c.r, c.g, c.b, alpha];
        }
        ColorRamp { lut }
    }
}

impl ColorRamp {
    /// RGBA for a risk value; transparent for NaN (nodata).
    pub fn rgba(&self, risk: f32) -> [u8; 4] {
        if risk.is_nan() {
            return [0, 0, 0, 0];
        }
        self.lut[(risk.clamp(0.0, 100.0) * 2.55).round() as usize]
    }

    /// Stops for a legend: (risk, `#rrggbbaa`).
    pub fn legend(&self, steps: usize) -> Vec<(f32, String)> {
        (0..=steps)
            .map(|k| {
                let r = 100.0 * k as f32 / steps as f32;
                let [cr, cg, cb, ca] = self.rgba(r);
                (r, format!("#{cr:02x}{cg:02x}{cb:02x}{ca:02x}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_is_monotone_in_lightness_and_opacity() {
        let ramp = ColorRamp::default();
        let lightness =
            |c: [u8; 4]| 0.2126 * c[0] as f64 + 0.7152 * c[1] as f64 + 0.0722 * c[2] as f64;
        let mut prev = ramp.rgba(0.0);
        for r in 1..=100 {
            let c = ramp.rgba(r as f32);
            assert!(lightness(c) >= lightness(prev) - 0.5, "at {r}");
            assert!(c[3] >= prev[3]);
            prev = c;
        }
        assert_eq!(ramp.rgba(f32::NAN), [0, 0, 0, 0]);
    }
}
