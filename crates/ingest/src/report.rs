//! Read/accepted/rejected counts per layer.

use crate::Rejection;
use std::fmt;

/// Counts for one layer.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LayerReport {
    pub layer: &'static str,
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
}

/// The ingest summary: counts per layer, every rejection, and notes on
/// what was read in a way the user should know (a repaired polygon, a
/// detected CSV dialect, an empty folder).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct IngestReport {
    pub layers: Vec<LayerReport>,
    pub rejections: Vec<Rejection>,
    pub notes: Vec<String>,
}

impl IngestReport {
    pub(crate) fn start(&mut self, layer: &'static str) {
        self.layers.push(LayerReport {
            layer,
            ..LayerReport::default()
        });
    }

    fn current(&mut self) -> &mut LayerReport {
        // `start` is always called before any record is counted.
        self.layers
            .last_mut()
            .expect("IngestReport::start precedes counting")
    }

    pub(crate) fn accept(&mut self) {
        let layer = self.current();
        layer.read += 1;
        layer.accepted += 1;
    }

    pub(crate) fn reject(&mut self, rejection: Rejection) {
        let layer = self.current();
        layer.read += 1;
        layer.rejected += 1;
        self.rejections.push(rejection);
    }

    pub(crate) fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    pub fn layer(&self, name: &str) -> Option<&LayerReport> {
        self.layers.iter().find(|l| l.layer == name)
    }

    pub fn total_rejected(&self) -> u64 {
        self.layers.iter().map(|l| l.rejected).sum()
    }
}

impl fmt::Display for IngestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<15} {:>9} {:>12} {:>9}",
            "laag", "gelezen", "geaccepteerd", "afgewezen"
        )?;
        for l in &self.layers {
            writeln!(
                f,
                "{:<15} {:>9} {:>12} {:>9}",
                l.layer, l.read, l.accepted, l.rejected
            )?;
        }
        for note in &self.notes {
            writeln!(f, "let op: {note}")?;
        }
        for r in &self.rejections {
            writeln!(f, "afgewezen: {r}")?;
        }
        Ok(())
    }
}
