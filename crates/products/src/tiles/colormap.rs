//! The risk colour ramp: matplotlib's perceptually uniform "inferno"
//! (through `colorous`), with opacity rising with risk so low-risk land
//! stays readable under the map's outlines.

/// Risk levels in the ramp; palette index [`TRANSPARENT`] is nodata.
pub const LEVELS: usize = 255;
/// Palette index of nodata.
pub const TRANSPARENT: u8 = 255;

/// An RGBA lookup table over risk 0..100 in [`LEVELS`] steps, which is also
/// the palette of the (indexed) PNG tiles.
pub struct ColorRamp {
    lut: [[u8; 4]; LEVELS],
}

impl Default for ColorRamp {
    fn default() -> Self {
        let mut lut = [[0u8; 4]; LEVELS];
        for (i, entry) in lut.iter_mut().enumerate() {
            let t = i as f64 / (LEVELS - 1) as f64;
            let c = colorous::INFERNO.eval_continuous(0.12 + 0.83 * t);
            let alpha = (255.0 * (0.30 + 1.4 * t).min(0.88)).round() as u8;
            *entry = [c.r, c.g, c.b, alpha];
        }
        ColorRamp { lut }
    }
}

impl ColorRamp {
    /// Palette index for a risk value; [`TRANSPARENT`] for NaN (nodata).
    pub fn index(&self, risk: f32) -> u8 {
        if risk.is_nan() {
            return TRANSPARENT;
        }
        // + 0.5 then truncation rounds the non-negative value.
        (risk.clamp(0.0, 100.0) * ((LEVELS - 1) as f32 / 100.0) + 0.5) as u8
    }

    /// RGBA for a risk value; transparent for NaN (nodata).
    pub fn rgba(&self, risk: f32) -> [u8; 4] {
        match self.index(risk) {
            TRANSPARENT => [0, 0, 0, 0],
            i => self.lut[i as usize],
        }
    }

    /// The PNG palette (`PLTE`, RGB) and its transparency (`tRNS`), 256
    /// entries with the last one transparent.
    pub fn palette(&self) -> (Vec<u8>, Vec<u8>) {
        let mut rgb: Vec<u8> = self.lut.iter().flat_map(|c| [c[0], c[1], c[2]]).collect();
        let mut alpha: Vec<u8> = self.lut.iter().map(|c| c[3]).collect();
        rgb.extend([0, 0, 0]);
        alpha.push(0);
        (rgb, alpha)
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

impl ColorRamp {
    /// A QGIS layer style (`.qml`) for band 1 (risk 0–100) of the GeoTIFF,
    /// with the web map's colours. Saved beside the GeoTIFF under the same
    /// name, QGIS applies it when the file is opened.
    pub fn qgis_style(&self) -> String {
        let items: String = self
            .legend(20)
            .into_iter()
            .map(|(risk, _)| {
                let [r, g, b, a] = self.rgba(risk);
                format!(
                    "          <item alpha=\"{a}\" value=\"{risk}\" label=\"{risk:.0}\" color=\"#{r:02x}{g:02x}{b:02x}\"/>\n"
                )
            })
            .collect();
        format!(
            r#"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.28.0" styleCategories="AllStyleCategories">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="0" classificationMax="100" nodataColor="">
      <rasterTransparency/>
      <minMaxOrigin><limits>None</limits><extent>WholeRaster</extent><statAccuracy>Estimated</statAccuracy></minMaxOrigin>
      <rastershader>
        <colorrampshader colorRampType="INTERPOLATED" classificationMode="1" clip="0" minimumValue="0" maximumValue="100" labelPrecision="0">
{items}        </colorrampshader>
      </rastershader>
    </rasterrenderer>
    <brightnesscontrast brightness="0" contrast="0" gamma="1"/>
    <huesaturation saturation="0" grayscaleMode="0" colorizeOn="0" colorizeRed="255" colorizeGreen="128" colorizeBlue="128" colorizeStrength="100"/>
    <rasterresampler maxOversampling="2"/>
  </pipe>
  <blendMode>0</blendMode>
</qgis>
"#
        )
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

    #[test]
    fn qgis_style_has_the_ramp_stops() {
        let ramp = ColorRamp::default();
        let qml = ramp.qgis_style();
        assert_eq!(qml.matches("<item ").count(), 21);
        let [r, g, b, _] = ramp.rgba(100.0);
        assert!(qml.contains(&format!(
            "value=\"100\" label=\"100\" color=\"#{r:02x}{g:02x}{b:02x}\""
        )));
        assert!(qml.contains("type=\"singlebandpseudocolor\" band=\"1\""));
    }
}
