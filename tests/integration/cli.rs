//! The `prudentia` binary itself: `compute`, `profile show`, on good and bad input.

use std::path::Path;
use std::process::{Command, Output};

fn prudentia(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prudentia"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn demo() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples/demo-bank.json")
        .display()
        .to_string()
}

fn write(dir: &tempfile::TempDir, name: &str, content: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write");
    path.display().to_string()
}

#[test]
fn compute_prints_results_json_for_the_demo_bank() {
    let out = prudentia(&["compute", "--input", &demo()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let cet1 = results["ratios"]["cet1"].as_f64().expect("cet1");
    assert!((cet1 - 0.142).abs() < 1e-6, "{cet1}");
    assert_eq!(results["profile"], "basel31");
    assert!(results.get("lines").is_none());

    let out = prudentia(&[
        "compute",
        "--input",
        &demo(),
        "--profile",
        "crr3",
        "--lines",
    ]);
    assert!(out.status.success());
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(results["profile"], "crr3");
    let lines = results["lines"].as_array().expect("lines");
    assert!(lines.len() >= 5000);
    assert!(
        lines[0]["rule"]
            .as_str()
            .expect("rule text")
            .starts_with('§')
    );
}

#[test]
fn compute_with_a_scenario_prints_baseline_scenario_and_delta() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = write(
        &dir,
        "dividend.json",
        r#"{"name": "Dividend", "edits": [{"op": "add_capital", "tier": "cet1", "label": "Dividend", "amount": -1.0e8}]}"#,
    );
    let out = prudentia(&["compute", "--input", &demo(), "--scenario", &scenario]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cmp: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let delta = cmp["delta"]["capital"]["cet1"].as_f64().expect("delta");
    assert!((delta + 1.0e8).abs() < 1e-3, "{delta}");
    let before = cmp["baseline"]["ratios"]["cet1"]
        .as_f64()
        .expect("baseline");
    let after = cmp["scenario"]["ratios"]["cet1"]
        .as_f64()
        .expect("scenario");
    assert!(after < before);

    let bad = write(
        &dir,
        "bad.json",
        r#"{"edits": [{"op": "set_line", "id": "nope", "field": "drawn", "value": 1}]}"#,
    );
    let out = prudentia(&["compute", "--input", &demo(), "--scenario", &bad]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("edits[0]") && stderr.contains("nope"),
        "{stderr}"
    );

    // Strict: a misspelt filter key would otherwise scale every line.
    let typo = write(
        &dir,
        "typo.json",
        r#"{"edits": [{"op": "add_capital", "tier": "cet1", "amount": 1},
                      {"op": "scale_exposures", "filter": {"clas": "retail"}, "factor": 2}]}"#,
    );
    let out = prudentia(&["compute", "--input", &demo(), "--scenario", &typo]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing is computed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("edits[1]") && stderr.contains("unknown field `clas`"),
        "{stderr}"
    );
}

/// The demo bank (1.4 MB) is read in pieces when only the figures are
/// asked for, and in full with its lines: the figures agree, and a bad
/// line deep in the file is still named.
#[test]
fn a_large_file_gives_the_same_figures_and_errors_whichever_way_it_is_read() {
    let figures = prudentia(&["compute", "--input", &demo()]);
    let with_lines = prudentia(&["compute", "--input", &demo(), "--lines"]);
    assert!(figures.status.success() && with_lines.status.success());
    let figures: serde_json::Value = serde_json::from_slice(&figures.stdout).expect("JSON");
    let mut with_lines: serde_json::Value =
        serde_json::from_slice(&with_lines.stdout).expect("JSON");
    with_lines.as_object_mut().expect("results").remove("lines");
    assert_eq!(figures, with_lines);

    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(demo()).expect("demo bank");
    let mut data: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let far = data["exposures"][4000]["id"].clone();
    data["exposures"][4000]["drawn"] = serde_json::json!(-1.0);
    data["exposures"][4500]["id"] = data["exposures"][10]["id"].clone();
    let repeated = data["exposures"][10]["id"].as_str().expect("id").to_owned();
    let path = write(&dir, "bad.json", &data.to_string());
    let out = prudentia(&["compute", "--input", &path]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 problem(s)"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "exposures[4000] (id {far}).drawn: must be a non-negative"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "exposures[4500] (id \"{repeated}\").id: duplicate exposure id"
        )),
        "{stderr}"
    );
    // Read in parts side by side, a large file that is not text is named
    // as a small one is.
    let mut bytes = text.into_bytes();
    bytes[300_000] = 0xff;
    let path = dir.path().join("latin.json");
    std::fs::write(&path, &bytes).expect("write");
    let out = prudentia(&["compute", "--input", &path.display().to_string()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot read {}", path.display()))
            && stderr.contains("valid UTF-8"),
        "{stderr}"
    );
}

#[test]
fn bad_input_names_the_file_line_and_field_and_exits_non_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            r#"{"exposures": [{"id": "L-1", "class": "corporate", "drawn": 1, "rating": "AAB"}]}"#,
            r#"exposures[0] (id "L-1").rating: unknown rating "AAB""#,
        ),
        (
            r#"{"exposures": [{"id": "L-1", "class": "corporate", "drawn": -5}, {"id": "L-1", "class": "retail"}]}"#,
            "3 problem(s)",
        ),
        ("{\"exposures\": [", "invalid JSON at line 1"),
        (
            r#"{"lcr": {"outflows": [{"category": "retail_unstable", "amount": 1}]}}"#,
            r#"lcr.outflows[0].category: unknown category "retail_unstable""#,
        ),
        (
            r#"{"overrides": {"rw.bogus": 1}}"#,
            "unknown profile parameter \"rw.bogus\"",
        ),
    ];
    for (i, (content, expected)) in cases.iter().enumerate() {
        let path = write(&dir, &format!("case{i}.json"), content);
        let out = prudentia(&["compute", "--input", &path]);
        assert!(!out.status.success(), "case {i} must fail");
        assert!(out.stdout.is_empty(), "nothing on stdout for case {i}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&path), "case {i} names the file: {stderr}");
        assert!(stderr.contains(expected), "case {i}: {stderr}");
    }
    let out = prudentia(&["compute", "--input", "/no/such/file.json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /no/such/file.json"));
    let out = prudentia(&["compute", "--input", &write(&dir, "book.xlsx", "x")]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a zip or OLE container"));
    let out = prudentia(&[
        "compute",
        "--input",
        &write(&dir, "notes.csv", "hello;world\n1;2\n"),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no sheet matches a section"));
    let bad = "id;class;drawn\nL1;retail;12\nL2;hedge;abc\n";
    let out = prudentia(&["compute", "--input", &write(&dir, "exposures.csv", bad)]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sheet \"exposures\", row 3, column B (class), value \"hedge\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 3, column C (drawn), value \"abc\": expected an amount"),
        "{stderr}"
    );
}

#[test]
fn profile_show_prints_every_key() {
    let out = prudentia(&["profile", "show", "crr3"]);
    assert!(out.status.success());
    let profile: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(profile["name"], "crr3");
    assert_eq!(profile["parameters"]["re.loan_splitting"], 1.0);
    assert_eq!(profile["parameters"]["rw.corporate.cqs3"], 0.75);
    assert!(profile["parameters"].as_object().expect("map").len() > 150);
    assert!(!prudentia(&["profile", "show", "basel2"]).status.success());
}

/// The canonical workbook holds exactly the JSON data set: the demo bank
/// written as xlsx, and as a folder of CSV files, computes to the same
/// results, line by line.
#[test]
fn canonical_workbook_round_trip_gives_identical_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let xlsx = dir.path().join("demo.xlsx").display().to_string();
    let out = prudentia(&["sample", "--output", &xlsx]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_json = prudentia(&["compute", "--input", &demo(), "--lines"]);
    let from_xlsx = prudentia(&["compute", "--input", &xlsx, "--lines"]);
    assert!(
        from_xlsx.status.success(),
        "{}",
        String::from_utf8_lossy(&from_xlsx.stderr)
    );
    let a: serde_json::Value = serde_json::from_slice(&from_json.stdout).expect("JSON");
    let b: serde_json::Value = serde_json::from_slice(&from_xlsx.stdout).expect("JSON");
    assert_eq!(a, b);

    let folder = dir.path().join("csv");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::write(
        folder.join("capital.csv"),
        "tier;kind;label;amount\ncet1;item;Shares;1000000000\nat1;item;AT1;100000000\n",
    )
    .expect("write");
    std::fs::write(
        folder.join("exposures.csv"),
        "id;class;drawn;rating\nC1;corporate;500000000;BBB\nR1;retail;250000000;\n",
    )
    .expect("write");
    let out = prudentia(&["compute", "--input", &folder.display().to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(results["capital"]["cet1"].as_f64(), Some(1e9));
    assert_eq!(
        results["rwa"]["by_class"]["corporate"]["exposure"].as_f64(),
        Some(5e8)
    );
}

#[test]
fn a_guaranteed_sovereign_part_and_a_group_leaving_the_list_show_in_the_comparison() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Tier 1 of 1,000; 20 corporate groups G00..G19 of 10..29 and a
    // sovereign line of 300 whose 60 guaranteed by a bank count in the
    // bank's group BANK (ratios.md §10): 21 groups, the 20 largest listed.
    let mut exposures: Vec<serde_json::Value> = (0..20)
        .map(|i| serde_json::json!({"id": format!("L{i}"), "class": "corporate", "drawn": 10 + i, "group_id": format!("G{i:02}")}))
        .collect();
    exposures.push(serde_json::json!({"id": "S", "class": "sovereign", "drawn": 300, "group_id": "STATE",
        "guaranteed_amount": 60, "guarantor_class": "bank", "guarantor_rating": "A", "guarantor_group_id": "BANK"}));
    let data =
        serde_json::json!({"capital": [{"tier": "cet1", "amount": 1000}], "exposures": exposures});
    let input = write(&dir, "book.json", &data.to_string());
    let scenario = write(
        &dir,
        "scenario.json",
        r#"{"edits": [{"op": "scale_exposures", "filter": {"ids": ["L0"]}, "factor": 10}]}"#,
    );
    let out = prudentia(&["compute", "--input", &input, "--scenario", &scenario]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cmp: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let listed = |side: &str| -> Vec<String> {
        cmp[side]["large_exposures"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|l| l["group"].as_str().expect("group").to_owned())
            .collect()
    };
    assert_eq!(
        listed("baseline")[0],
        "BANK",
        "60 moved from the sovereign line, the largest"
    );
    assert!(
        !listed("baseline").contains(&"STATE".to_owned()),
        "the rest stays exempt"
    );
    assert!(
        listed("baseline").contains(&"G01".to_owned())
            && !listed("scenario").contains(&"G01".to_owned())
    );
    let delta = |group: &str| {
        cmp["delta"]["large_exposures"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|d| d["group"] == group)
            .map(|d| d["exposure"].as_f64().expect("a number"))
    };
    assert_eq!(
        delta("G01"),
        Some(-11.0),
        "a group leaving the list: minus its baseline"
    );
    assert_eq!(
        delta("G00"),
        Some(100.0),
        "a group entering it: its scenario amount"
    );
    assert_eq!(delta("BANK"), Some(0.0));
}

#[test]
fn anomalies_lists_a_planted_unit_error_with_its_fix_and_the_jumps_since_the_previous_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(demo()).expect("demo")).expect("json");
    let previous = write(&dir, "previous.json", &data.to_string());
    let line = &mut data["exposures"][42];
    let id = line["id"].as_str().expect("id").to_owned();
    let drawn = line["drawn"].as_f64().expect("drawn");
    line["drawn"] = (drawn * 1000.0).into();
    let current = write(&dir, "current.json", &data.to_string());

    let out = prudentia(&["anomalies", "--input", &current]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let anomalies = report["anomalies"].as_array().expect("anomalies");
    let planted = anomalies
        .iter()
        .find(|a| a["id"] == id.as_str())
        .expect("the planted line is found");
    assert_eq!(planted["kind"], "scale");
    assert_eq!(planted["section"], "exposures");
    assert_eq!(planted["severity"], "high");
    assert_eq!(planted["fix"]["edit"]["factor"], 0.001);
    for key in ["field", "score", "value", "expected", "explanation"] {
        assert!(planted.get(key).is_some(), "{key}");
    }

    let out = prudentia(&["anomalies", "--input", &current, "--previous", &previous]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let against_previous: Vec<&serde_json::Value> = report["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .filter(|a| a["id"] == id.as_str())
        .collect();
    assert!(
        against_previous.iter().any(|a| a["explanation"]
            .as_str()
            .unwrap_or("")
            .contains("previous version")),
        "{against_previous:?}"
    );

    let missing = prudentia(&["anomalies", "--input", "no-such-file.json"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-file.json"));
}

/// A labelled book of the synthetic bank as a JSON data set.
fn book_file(
    dir: &tempfile::TempDir,
    name: &str,
    lines: &[prudentia::engine::dataset::Exposure],
) -> String {
    let data = prudentia::engine::dataset::DataSet {
        name: name.into(),
        exposures: lines.to_vec(),
        ..Default::default()
    };
    write(dir, name, &serde_json::to_string(&data).expect("json"))
}

#[test]
fn classify_trains_on_labelled_dates_and_predicts_a_file_without_classes() {
    use prudentia::intel::classify::books::{Bank, Style};
    let dir = tempfile::tempdir().expect("dir");
    let mut bank = Bank::new(Style::House, 12);
    let dates: Vec<String> = (0..3)
        .map(|d| {
            book_file(
                &dir,
                &format!("q{d}.json"),
                &bank.book(1_500, if d == 0 { 1.0 } else { 0.2 }),
            )
        })
        .collect();
    let model = dir.path().join("model.bin").display().to_string();
    let mut args = vec!["classify", "train", "--model", &model, "--seed", "4"];
    for date in &dates {
        args.extend(["--input", date.as_str()]);
    }
    let out = prudentia(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let card: serde_json::Value = serde_json::from_slice(&out.stdout).expect("card");
    assert_eq!(card["lines"], 4_500);
    let f1 = card["holdout"]["macro_f1"].as_f64().expect("macro-F1");
    assert!(f1 > 0.7 && f1 <= 1.0, "{card}");
    assert!(
        card["holdout"]["accuracy"].as_f64().expect("accuracy") > 0.9,
        "{card}"
    );
    assert!(
        card["holdout"]["ece"].as_f64().expect("ece") < 0.1,
        "{card}"
    );

    // The next date, its classes removed or garbled as a core system sends them.
    bank.mistakes = 0.0;
    let next = bank.book(400, 0.4);
    let mut unlabelled: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(book_file(&dir, "next.json", &next)).expect("read"),
    )
    .expect("json");
    for (i, line) in unlabelled["exposures"]
        .as_array_mut()
        .expect("lines")
        .iter_mut()
        .enumerate()
    {
        let line = line.as_object_mut().expect("object");
        if i % 2 == 0 {
            line.remove("class");
        } else {
            line.insert("class".into(), "Fonds spéculatifs".into());
        }
    }
    let input = write(&dir, "unlabelled.json", &unlabelled.to_string());
    for with_model in [true, false] {
        let mut args = vec!["classify", "predict", "--input", input.as_str()];
        if with_model {
            args.extend(["--model", model.as_str()]);
        }
        let out = prudentia(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reply: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let predictions = reply["predictions"].as_array().expect("predictions");
        assert_eq!(predictions.len(), next.len());
        let mut right = 0;
        for (p, line) in predictions.iter().zip(&next) {
            assert_eq!(p["id"], line.id.as_str(), "in the file's order");
            let confidence = p["confidence"].as_f64().expect("confidence");
            assert!((0.0..=1.0).contains(&confidence));
            assert!(
                p["reasons"].as_array().is_some_and(|r| !r.is_empty()),
                "{p}"
            );
            if p["decided_by"] == "model" {
                assert_eq!(p["alternatives"].as_array().map(Vec::len), Some(2), "{p}");
            }
            right += usize::from(p["class"] == line.class.key());
        }
        assert!(
            right * 100 > next.len() * 90,
            "{right} of {} right (own model: {with_model})",
            next.len()
        );
    }

    std::fs::write(&model, b"not a model").expect("write");
    let out = prudentia(&["classify", "predict", "--input", &input, "--model", &model]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("the model file could not be read"));
    let few = book_file(&dir, "few.json", &next[..10]);
    let out = prudentia(&["classify", "train", "--input", &few, "--model", &model]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 50 labelled lines"));
}

#[test]
fn suggest_writes_a_plan_whose_scenario_meets_every_target_and_names_a_target_out_of_reach() {
    let dir = tempfile::tempdir().expect("dir");
    let targets = write(
        &dir,
        "targets.json",
        r#"{"cet1": 0.16, "lcr": 1.2, "large_exposure": 0.12}"#,
    );
    let plan_file = dir.path().join("plan.json").display().to_string();
    let out = prudentia(&[
        "suggest",
        "--input",
        &demo(),
        "--targets",
        &targets,
        "--scenario-out",
        &plan_file,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    for key in [
        "feasible",
        "cost",
        "actions",
        "results_after",
        "binding",
        "shadow_prices",
        "explanation",
    ] {
        assert!(plan.get(key).is_some(), "{key} in the contract");
    }
    assert_eq!(plan["feasible"], true, "{}", plan["explanation"]);
    let actions = plan["actions"].as_array().expect("actions");
    assert!(actions.iter().all(|a| a["action"].is_string()
        && a["amount"].as_f64() > Some(0.0)
        && a["edits"].is_array()));

    // The scenario file is the plan: compute reproduces its figures.
    let out = prudentia(&["compute", "--input", &demo(), "--scenario", &plan_file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replayed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let after = &replayed["scenario"]["ratios"];
    assert!(
        after["cet1"].as_f64().expect("cet1") >= 0.16 - 1e-9,
        "{after}"
    );
    assert!(after["lcr"].as_f64().expect("lcr") >= 1.2 - 1e-9, "{after}");
    assert_eq!(after, &plan["results_after"]["ratios"]);
    let largest = &replayed["scenario"]["large_exposures"][0]["share_of_tier1"];
    assert!(
        largest.as_f64().expect("a share") <= 0.12 + 1e-9,
        "{largest}"
    );
    assert!(
        actions.iter().any(|a| a["action"]
            .as_str()
            .is_some_and(|k| k.ends_with("_large_exposure:GRP-ATLAS"))),
        "the demo bank's largest group is brought under 12 %: {actions:?}"
    );

    // Out of reach within the shipped bounds: which target, and how far.
    let greedy = write(&dir, "greedy.json", r#"{"cet1": 0.9}"#);
    let out = prudentia(&["suggest", "--input", &demo(), "--targets", &greedy]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(plan["feasible"], false);
    assert_eq!(plan["shortfall"]["ratio"], "cet1");
    assert!(
        plan["explanation"][0]
            .as_str()
            .expect("text")
            .contains("cannot reach 90.00 %")
    );

    // A catalogue with a typo is refused, naming the file and the entry.
    let typo = write(
        &dir,
        "actions.json",
        r#"[{"action": "issue_cet2", "max": 1e8, "cost": 0.1}]"#,
    );
    let out = prudentia(&["suggest", "--input", &demo(), "--catalogue", &typo]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("actions.json") && said.contains("[0].action") && said.contains("issue_cet2"),
        "{said}"
    );
}
