//! `prudentia compute`, `prudentia anomalies`, `prudentia classify` and
//! `prudentia profile show`: the engine on files, with errors that name
//! the file, the line and the field. `POST /api/v1/compute` shares their
//! first step, [`checked_and_compiled`].

use crate::engine::dataset::{DataSet, InputError};
use crate::engine::fast_read;
use crate::engine::portfolio::Portfolio;
use crate::engine::profile::Profile;
use crate::engine::scenario::{Scenario, compare};
use crate::engine::{ComputeOptions, compute, compute_compiled, resolve_profile};
use crate::intel::anomalies::{Thresholds, detect};
use crate::intel::classify::{self, Model};
use crate::intel::suggest;
use crate::model::import::{Mapping, Problem, error_messages};
use crate::server::import::{build, mapping, read};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Input { path: String, message: String },
    #[error("cannot write the results: {0}")]
    Write(std::io::Error),
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

/// The file at `path` as text, its parts read side by side: on a large
/// file, copying it in and mapping its pages is a fifth of a `compute`.
/// Anything but a plain text file of a stable length is read the usual
/// way.
fn read_side_by_side(path: &Path) -> Result<String, CommandError> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    let error = |source| CommandError::Read {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(error)?;
    let metadata = file.metadata().map_err(error)?;
    let length = metadata.len() as usize;
    if !metadata.is_file() || length < FAST_READ_MIN {
        return read(path);
    }
    let mut bytes = vec![0u8; length];
    let part = length.div_ceil(rayon::current_num_threads());
    let read_all = bytes
        .par_chunks_mut(part)
        .enumerate()
        .try_for_each(|(i, chunk)| file.read_exact_at(chunk, (i * part) as u64));
    let mut beyond = [0u8; 1];
    if read_all.is_err() || file.read_at(&mut beyond, length as u64).map_err(error)? > 0 {
        return read(path);
    }
    // Not text: the usual read says so, in its own words.
    String::from_utf8(bytes).or_else(|_| read(path))
}

/// The data set at `input`, checked, and the profile it computes with.
fn valid(input: &Path, profile: Option<&str>) -> Result<(DataSet, Profile), CommandError> {
    let data = load(input)?;
    let profile = usable(input, &data, profile, &data.validate())?;
    Ok((data, profile))
}

/// The profile `data` computes with, once its `problems` are none.
fn usable(
    input: &Path,
    data: &DataSet,
    profile: Option<&str>,
    problems: &[InputError],
) -> Result<Profile, CommandError> {
    let shown = input.display().to_string();
    if !problems.is_empty() {
        return Err(CommandError::Invalid {
            path: shown,
            problems: problems.iter().map(ToString::to_string).collect(),
        });
    }
    resolve_profile(data, profile).map_err(|e| CommandError::Input {
        path: shown,
        message: e.to_string(),
    })
}

/// Writes the results JSON (or, with a scenario, baseline / scenario /
/// delta) to `out` as it is serialised, with no copy in between. Made for
/// a process that ends after it: the data set is not freed (see below).
pub fn run_compute(
    args: &ComputeArgs<'_>,
    out: &mut impl std::io::Write,
) -> Result<(), CommandError> {
    let options = ComputeOptions {
        lines: args.lines,
        explain: args.lines,
    };
    // Only the figures: the lines are read the fast way, never kept.
    if !args.lines && args.scenario.is_none() && is_json(args.input) {
        let text = read_side_by_side(args.input)?;
        if let Some((data, portfolio)) = fast_checked_and_compiled::<DataSet>(&text, |d| d) {
            let profile = usable(args.input, &data, args.profile, &[])?;
            let results = compute_compiled(&data, &portfolio, &profile, &options);
            let written = write_json(out, &results);
            std::mem::forget((text, portfolio));
            return written;
        }
        let data = parsed_data_set(args.input, &text)?;
        std::mem::forget(text);
        return compute_and_write(args, data, &options, out);
    }
    compute_and_write(args, load(args.input)?, &options, out)
}

fn compute_and_write(
    args: &ComputeArgs<'_>,
    data: DataSet,
    options: &ComputeOptions,
    out: &mut impl std::io::Write,
) -> Result<(), CommandError> {
    let (problems, portfolio) = checked_and_compiled(&data);
    let profile = usable(args.input, &data, args.profile, &problems)?;
    let baseline = compute_compiled(&data, &portfolio, &profile, options);
    let written = match args.scenario {
        None => write_json(out, &baseline),
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
            let after = compute(&changed, &changed_profile, options);
            write_json(out, &compare(&baseline, &after))
        }
    };
    // The process exits next and the system takes its memory back at once;
    // handing a million lines back to the allocator one by one would take
    // longer than computing them.
    std::mem::forget((data, portfolio));
    written
}

/// The data set's problems and its compiled lines, found side by side:
/// both only read the lines.
pub fn checked_and_compiled(data: &DataSet) -> (Vec<InputError>, Portfolio) {
    rayon::join(|| data.validate(), || Portfolio::compile(data))
}

/// Below this a document is read the full way: cutting it would not pay.
const FAST_READ_MIN: usize = 256 * 1024;

/// The document `text` (a `T` holding a data set) with its data set's
/// lines left out and compiled, read in pieces on every thread
/// (`engine::fast_read`); None when the document is small or anything in
/// it needs the full read, which then explains the problem. A document
/// this answers has no problem the full read would find.
pub fn fast_checked_and_compiled<T: serde::de::DeserializeOwned>(
    text: &str,
    data: fn(&mut T) -> &mut DataSet,
) -> Option<(T, Portfolio)> {
    use rayon::prelude::*;
    if text.len() < FAST_READ_MIN {
        return None;
    }
    // As many pieces as threads: the pieces are alike, and every piece
    // after the first costs its names again when they are put together.
    fast_read::read(text, rayon::current_num_threads(), data, |spans, read| {
        spans.into_par_iter().map(read).collect()
    })
}

pub struct SuggestArgs<'a> {
    pub input: &'a Path,
    pub profile: Option<&'a str>,
    pub targets: Option<&'a Path>,
    pub catalogue: Option<&'a Path>,
    pub scenario_out: Option<&'a Path>,
}

/// Writes the cheapest plan back to the targets (the profile's
/// requirements plus management buffers unless `targets` says otherwise),
/// and the plan as a scenario file when asked.
pub fn run_suggest(
    args: &SuggestArgs<'_>,
    out: &mut impl std::io::Write,
) -> Result<(), CommandError> {
    let shown = args.input.display().to_string();
    let (data, profile) = valid(args.input, args.profile)?;
    let base = compute(&data, &profile, &ComputeOptions::default());
    let targets = match args.targets {
        Some(path) => parsed(path)?,
        None => suggest::Targets::defaults(&base),
    };
    let catalogue = match args.catalogue {
        Some(path) => parsed(path)?,
        None => suggest::catalogue::defaults(&data, base.rwa.total),
    };
    let plan = suggest::suggest(&data, &profile, &targets, &catalogue).map_err(|e| {
        CommandError::Input {
            path: shown,
            message: e.to_string(),
        }
    })?;
    if let Some(path) = args.scenario_out {
        let scenario = Scenario {
            name: "Suggested plan".to_owned(),
            edits: plan.edits(),
        };
        let text =
            serde_json::to_string_pretty(&scenario).map_err(|e| CommandError::Write(e.into()))?;
        std::fs::write(path, text + "\n").map_err(CommandError::Write)?;
    }
    write_json(out, &plan)
}

/// A JSON file read into `T`; an error names the file and the field.
fn parsed<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CommandError> {
    let text = read(path)?;
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| CommandError::Input {
        path: path.display().to_string(),
        message: format!("{}: {}", e.path(), e.inner()),
    })
}

/// Writes `{"anomalies": [...]}` for the data set at `input`, with the
/// jumps since `previous` when given.
pub fn run_anomalies(
    input: &Path,
    previous: Option<&Path>,
    out: &mut impl std::io::Write,
) -> Result<(), CommandError> {
    let data = load(input)?;
    let previous = previous.map(load).transpose()?;
    let anomalies = detect(&data, previous.as_ref(), &Thresholds::default());
    write_json(out, &serde_json::json!({ "anomalies": anomalies }))
}

fn write_json(
    out: &mut impl std::io::Write,
    value: &impl serde::Serialize,
) -> Result<(), CommandError> {
    serde_json::to_writer_pretty(&mut *out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush())
        .map_err(CommandError::Write)
}

/// `classify train`: the exposures of every input, labelled by their
/// `class`, train a model written to `model`; prints its card.
pub fn run_classify_train(
    inputs: &[std::path::PathBuf],
    model: &Path,
    seed: u64,
    out: &mut impl std::io::Write,
) -> Result<(), CommandError> {
    let mut lines = Vec::new();
    for input in inputs {
        lines.extend(load(input)?.exposures);
    }
    let trained = classify::train(&lines, seed).map_err(|e| CommandError::Input {
        path: inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        message: e.to_string(),
    })?;
    std::fs::write(model, trained.to_bytes()).map_err(CommandError::Write)?;
    write_json(out, trained.card())
}

/// `classify predict`: a class for every exposure of `input`, in order,
/// whatever class the file gives; the built-in model without `model`.
pub fn run_classify_predict(
    input: &Path,
    model: Option<&Path>,
    out: &mut impl std::io::Write,
) -> Result<(), CommandError> {
    let data = load_unlabelled(input)?;
    let stored = model
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|source| CommandError::Read {
                path: path.display().to_string(),
                source,
            })?;
            Model::from_bytes(&bytes).map_err(|e| CommandError::Input {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        })
        .transpose()?;
    let model = stored.as_ref().unwrap_or_else(|| classify::base());
    let predictions: Vec<_> = data.exposures.iter().map(|l| model.predict(l)).collect();
    write_json(out, &serde_json::json!({ "predictions": predictions }))
}

/// A data set whose lines may lack `class` or carry one that is not a
/// class (a file straight from a core system): in JSON every class reads
/// as a placeholder, since a prediction never reads it; a workbook's
/// missing classes are not asked of anyone.
fn load_unlabelled(path: &Path) -> Result<DataSet, CommandError> {
    let shown = path.display().to_string();
    if !is_json(path) {
        let (book, mapping) = read_book(path)?;
        let built = build::classified(&book, &mapping, classify::base);
        return self::built(&shown, built.data, &built.problems);
    }
    let input = |message: String| CommandError::Input {
        path: shown.clone(),
        message,
    };
    #[derive(serde::Deserialize)]
    struct Lines {
        #[serde(default)]
        exposures: Vec<serde_json::Value>,
    }
    let lines: Lines =
        serde_json::from_str(&read(path)?).map_err(|e| input(format!("invalid JSON: {e}")))?;
    Ok(DataSet {
        exposures: classify::unlabelled(lines.exposures).map_err(input)?,
        ..DataSet::default()
    })
}

/// A data set from JSON, a canonical workbook (xlsx, ods...), a CSV file
/// or a folder of CSV files named after the workbook's sheets.
fn load(path: &Path) -> Result<DataSet, CommandError> {
    let shown = path.display().to_string();
    if is_json(path) {
        return parsed_data_set(path, &read(path)?);
    }
    let (book, mapping) = read_book(path)?;
    let (data, problems) = build::build(&book, &mapping);
    built(&shown, data, &problems)
}

fn parsed_data_set(path: &Path, text: &str) -> Result<DataSet, CommandError> {
    DataSet::from_json_str(text).map_err(|e| CommandError::Input {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn built(shown: &str, data: DataSet, problems: &[Problem]) -> Result<DataSet, CommandError> {
    let errors = error_messages(problems);
    if !errors.is_empty() {
        return Err(CommandError::Invalid {
            path: shown.to_owned(),
            problems: errors,
        });
    }
    Ok(data)
}

/// A workbook, a CSV file or a folder of CSV files, with the mapping the
/// importer proposes for it.
fn read_book(path: &Path) -> Result<(read::Workbook, Mapping), CommandError> {
    let shown = path.display().to_string();
    let input = |message: String| CommandError::Input {
        path: shown.clone(),
        message,
    };
    let bytes = |file: &Path| {
        std::fs::read(file).map_err(|source| CommandError::Read {
            path: file.display().to_string(),
            source,
        })
    };
    let book = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|source| CommandError::Read {
                path: shown.clone(),
                source,
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
            .collect();
        files.sort();
        let mut sheets = Vec::new();
        for file in files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let book =
                read::read(&name, &bytes(&file)?).map_err(|e| input(format!("{name}: {e}")))?;
            sheets.extend(book.sheets);
        }
        if sheets.is_empty() {
            return Err(input("the folder holds no .csv file".into()));
        }
        read::Workbook { sheets }
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        read::read(&name, &bytes(path)?).map_err(|e| input(e.to_string()))?
    };
    let mapping = mapping::propose(&book, &mapping::Saved::new());
    if mapping.sheets.iter().all(|s| s.section.is_none()) {
        return Err(input(
            "no sheet matches a section of the canonical workbook (settings, capital, exposures...)"
                .into(),
        ));
    }
    Ok((book, mapping))
}

pub fn profile_show(name: &str) -> Result<String, String> {
    let profile = Profile::named(name).map_err(|e| e.to_string())?;
    serde_json::to_string_pretty(&profile).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo bank as `compute` and the API meet it: read in pieces on
    /// the thread pool, equal to the full read; a small document and a bad
    /// one go the full way.
    #[test]
    fn a_large_data_set_is_read_in_pieces_on_every_thread() {
        let data = crate::samples::demo_bank();
        let text = serde_json::to_string(&data).expect("json");
        assert!(text.len() >= FAST_READ_MIN);
        let (header, portfolio) =
            fast_checked_and_compiled::<DataSet>(&text, |d| d).expect("the fast read");
        assert_eq!(header, data.header());
        let profile = Profile::named("crr3").expect("profile");
        let options = ComputeOptions::default();
        assert_eq!(
            compute_compiled(&header, &portfolio, &profile, &options),
            compute(&data, &profile, &options)
        );
        let small = serde_json::to_string(&crate::samples::generate(50, 1)).expect("json");
        assert!(fast_checked_and_compiled::<DataSet>(&small, |d| d).is_none());
        let bad = text.replacen("\"drawn\":", "\"drawn\":-", 1);
        assert!(fast_checked_and_compiled::<DataSet>(&bad, |d| d).is_none());
    }
}
