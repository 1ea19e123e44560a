//! `tradai config promote FROM TO [--dry-run]`.

use std::process::ExitCode;

use anyhow::anyhow;
use tradai_config::promote::promote_files;
use tradai_config::ConfigDir;

use crate::args::{environment, PromoteArgs};

pub fn run(args: PromoteArgs, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    let from = environment("FROM", &args.from)?;
    let to = environment("TO", &args.to)?;
    let path = dir.dir().ok_or_else(|| {
        anyhow!("promote rewrites config files, but no config directory was found: run it inside the workspace or pass --config-dir")
    })?;
    let report = promote_files(path, from, to, args.dry_run)?;
    println!("{from} -> {to} ({})", report.file.display());
    if report.plan.set.is_empty() {
        println!("nothing to promote: {to} already has every promotable value of {from}");
    }
    for (key, value) in &report.plan.set {
        let old = report
            .diff
            .entries
            .iter()
            .find(|e| &e.key == key)
            .and_then(|e| e.to.clone());
        let old = old.map_or_else(|| "(not set)".to_owned(), |v| v.to_string());
        println!("  set  {key}: {old} -> {value}");
    }
    for entry in &report.plan.kept {
        println!("  keep {entry}");
    }
    for entry in &report.plan.unremovable {
        println!(
            "  skip {}: set only in {to}; remove it from the file that defines it if it should go",
            entry.key
        );
    }
    match (args.dry_run, report.written) {
        (true, _) => println!("dry run: nothing written"),
        (false, true) => println!("wrote {}", report.file.display()),
        (false, false) => {}
    }
    Ok(ExitCode::SUCCESS)
}
