//! `prudentia compute` and `prudentia profile show`: the engine on files,
//! with errors that name the file, the line and the field.

use crate::engine::dataset::DataSet;
use crate::engine::profile::Profile;
use crate::engine::scenario::{Scenario, compare};
use crate::engine::{ComputeOptions, compute, resolve_profile};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: only JSON data sets are read for now (the canonical workbook comes with the \
         import feature); expected a .json file"
    )]
    UnsupportedFormat { path: String },
    #[error("{path}: {message}")]
    Input { path: String, message: String },
    #[error("{path} has {} problem(s):\n{}", .problems.len(), .problems.join("\n"))]
    Invalid { path: String, problems: Vec<String> },
}

pub struct ComputeArgs<'a> {
    pub input: &'a Path,
    pub profile: Option<&'a str>,
    pub scenario: Option<&'a Path>,
    pub lines: bool,
}

fn read(path: &Path) -> Result<String, CommandError> {
    std::fs::read_to_string(path).map_err(|source| CommandError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// The results JSON (or, with a scenario, baseline / scenario / delta).
pub fn run_compute(args: &ComputeArgs<'_>) -> Result<String, CommandError> {
    let shown = args.input.display().to_string();
    let is_json = args
        .input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if !is_json {
        return Err(CommandError::UnsupportedFormat { path: shown });
    }
    let data = DataSet::from_json_str(&read(args.input)?).map_err(|e| CommandError::Input {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let problems = data.validate();
    if !problems.is_empty() {
        return Err(CommandError::Invalid {
            path: shown,
            problems: problems.iter().map(ToString::to_string).collect(),
        });
    }
    let profile = resolve_profile(&data, args.profile).map_err(|e| CommandError::Input {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let options = ComputeOptions {
        lines: args.lines,
        explain: args.lines,
    };
    let baseline = compute(&data, &profile, &options);
    let output = match args.scenario {
        None => serde_json::to_string_pretty(&baseline),
        Some(path) => {
            let scenario_path = path.display().to_string();
            let input_error = |message: String| CommandError::Input {
                path: scenario_path.clone(),
                message,
            };
            let scenario =
                Scenario::from_json_str(&read(path)?).map_err(|e| input_error(e.to_string()))?;
            let (changed, changed_profile) = scenario
                .apply(&data, &profile)
                .map_err(|e| input_error(e.to_string()))?;
            let after = compute(&changed, &changed_profile, &options);
            serde_json::to_string_pretty(&compare(&baseline, &after))
        }
    };
    output.map_err(|e| CommandError::Input {
        path: "results".into(),
        message: e.to_string(),
    })
}

pub fn profile_show(name: &str) -> Result<String, String> {
    let profile = Profile::named(name).map_err(|e| e.to_string())?;
    serde_json::to_string_pretty(&profile).map_err(|e| e.to_string())
}
