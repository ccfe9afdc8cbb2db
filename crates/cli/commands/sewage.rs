//! `buitenzicht sewage`: the sewage spikes found per treatment plant.

use super::{as_of, load, BoxError};
use crate::args::Common;
use crate::config::ProjectFile;
use buitenzicht_ingest::Dataset;
use chrono::NaiveDate;

pub fn run(common: &Common) -> Result<(), BoxError> {
    let project = ProjectFile::load(&common.input.config)?;
    let (data, _) = load(&project, &common.input)?;
    super::write_out(format_args!(
        "{}",
        sewage_report(&data, &project, as_of(&project, common))
    ))?;
    Ok(())
}

/// Spikes per plant as a readable table.
fn sewage_report(data: &Dataset, project: &ProjectFile, as_of: NaiveDate) -> String {
    use buitenzicht_score::sewage::{catchment_score, detect_spikes, spike_weight};
    let config = &project.scoring.riool;
    let spikes = detect_spikes(&data.rioolmetingen, config, as_of);
    let mut out = format!(
        "rioolwaterpieken t/m {as_of} (basis: mediaan van de {} dagen ervoor)\n",
        config.window_days
    );
    for plant in &data.rwzi {
        let own: Vec<_> = spikes
            .iter()
            .filter(|s| s.rwzi_code == plant.rwzi_code)
            .collect();
        out.push_str(&format!(
            "{} {}: {} piek(en), score {:.2}\n",
            plant.rwzi_code,
            plant.rwzi_naam,
            own.len(),
            catchment_score(&own, config, as_of)
        ));
        for s in own {
            out.push_str(&format!(
                "  {}  {:<15} {:>9.1} g/d  basis {:>8.1}  ×{:<5.1} gewicht {:.2}{}\n",
                s.datum,
                s.stof,
                s.vracht_g_d,
                s.baseline_g_d,
                s.ratio,
                spike_weight(s, config, as_of),
                if s.racemisch {
                    "  racemisch (dumping?)"
                } else {
                    ""
                }
            ));
        }
    }
    out
}
