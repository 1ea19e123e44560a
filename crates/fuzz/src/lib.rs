//! `tradai-fuzz`: fuzz harnesses that run on stable Rust in CI. Each target starts from its corpus (the files
//! of `corpus/<target>/`, committed, plus seeds the harness builds at run time) and feeds the code under test
//! inputs made by stacking byte-level mutations on a seed: bit flips, inserted JSON/TOML tokens and extreme
//! values, deleted, repeated and spliced ranges. proptest drives it, so a failure is shrunk to a short list of
//! mutations. The shrunk input is written to the corpus as `crash-<hash>` (commit it: it is then replayed on
//! every run) and the test fails showing it.
//!
//! Each target runs [`cases`] inputs: `FUZZ_CASES` (default 256), a bound on its time in CI. The seed of the
//! random source is fixed per target, so a CI run is reproducible; `FUZZ_SEED` changes it for longer local
//! campaigns.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use sha2::{Digest, Sha256};

mod json;

/// Inputs per target (`FUZZ_CASES`, default 256).
pub fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Tokens that break parsers: delimiters of JSON and TOML, extreme numbers and dates, escapes, wide
/// characters, and one very long run.
fn tokens() -> Vec<Vec<u8>> {
    let short: [&str; 24] = [
        "\"",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "=",
        "\n",
        "[[",
        "null",
        "-1",
        "0",
        "-262143-01-01",
        "99999999999999999999999",
        "1e308",
        "-9223372036854775808",
        "\\u0000",
        "\\ud800",
        "💥",
        "\u{202e}",
        ".",
        "%00",
        "eyJhbGciOiJub25lIn0",
    ];
    let mut out: Vec<Vec<u8>> = short.iter().map(|t| t.as_bytes().to_vec()).collect();
    out.push(vec![b'a'; 70_000]);
    out
}

/// One mutation; positions and lengths are taken modulo the input's length.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, usize),
    Delete(usize, usize),
    Repeat(usize, usize, u8),
    Splice(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        (any::<usize>(), any::<usize>()).prop_map(|(at, t)| Mutation::Insert(at, t)),
        (any::<usize>(), 1..64usize).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<usize>(), 1..32usize, 2..16u8).prop_map(|(at, n, k)| Mutation::Repeat(at, n, k)),
        (any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(s, from, to)| Mutation::Splice(s, from, to)),
    ]
}

fn apply(input: &mut Vec<u8>, mutation: &Mutation, seeds: &[Vec<u8>], tokens: &[Vec<u8>]) {
    let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
    match *mutation {
        Mutation::Flip(p, bits) if !input.is_empty() => {
            let i = p % input.len();
            input[i] ^= bits.max(1);
        }
        Mutation::Flip(..) => {}
        Mutation::Insert(p, t) => {
            let i = at(p, input.len());
            let token = &tokens[t % tokens.len()];
            input.splice(i..i, token.iter().copied());
        }
        Mutation::Delete(p, n) => {
            let i = at(p, input.len());
            let end = (i + n).min(input.len());
            input.drain(i..end);
        }
        Mutation::Repeat(p, n, k) => {
            let i = at(p, input.len());
            let end = (i + n).min(input.len());
            let part = input[i..end].repeat(usize::from(k));
            input.splice(end..end, part);
        }
        Mutation::Splice(s, from, to) => {
            let other = &seeds[s % seeds.len()];
            let (a, b) = (at(from, other.len()), at(to, other.len()));
            let (a, b) = (a.min(b), a.max(b));
            let i = at(from, input.len());
            input.splice(i..i, other[a..b].iter().copied());
        }
    }
}

/// A fuzz target: its name (its corpus directory) and its seeds.
#[derive(Debug, Clone)]
pub struct Target {
    name: &'static str,
    seeds: Vec<Vec<u8>>,
}

/// `corpus/<name>` of this crate.
fn corpus_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name)
}

impl Target {
    /// The target `name` with the files of its corpus as seeds.
    pub fn new(name: &'static str) -> Self {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(name))
            .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        let seeds = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
        Target { name, seeds }
    }

    /// Add a seed built at run time (a signed token, an encoded file, a generated document).
    pub fn seed(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.seeds.push(bytes.into());
        self
    }

    /// How many seeds it has.
    pub fn seeds(&self) -> usize {
        self.seeds.len()
    }

    /// Feed every seed, then [`cases`] mutated inputs, to `check`, which says what is wrong with the answer
    /// to an input (a panic counts too). On a failure the shrunk input is saved to the corpus and this panics.
    pub fn run(&self, check: impl Fn(&[u8]) -> Result<(), String>) {
        let tokens = tokens();
        let strategy = (
            0..self.seeds.len().max(1),
            proptest::collection::vec(mutation(), 1..8),
        );
        self.drive(strategy, &check, |(seed, mutations)| {
            let mut input = self.seeds[seed].clone();
            for m in &mutations {
                apply(&mut input, m, &self.seeds, &tokens);
            }
            input
        });
    }

    /// As [`Target::run`], for JSON inputs: each input is a JSON seed with values replaced by extreme ones
    /// (wrong types, huge numbers and strings, impossible dates, deep nesting) or removed, so the input still
    /// parses and reaches the code behind the parser. Seeds that are not JSON are left out.
    pub fn run_json(&self, check: impl Fn(&[u8]) -> Result<(), String>) {
        let seeds: Vec<serde_json::Value> = self
            .seeds
            .iter()
            .filter_map(|s| serde_json::from_slice(s).ok())
            .collect();
        assert!(!seeds.is_empty(), "target {} has no JSON seed", self.name);
        let strategy = (
            0..seeds.len(),
            proptest::collection::vec(json::edit(), 1..6),
        );
        self.drive(strategy, &check, |(seed, edits)| {
            let mut value = seeds[seed].clone();
            for e in &edits {
                json::apply(&mut value, e);
            }
            value.to_string().into_bytes()
        });
    }

    fn drive<S: Strategy>(
        &self,
        strategy: S,
        check: &dyn Fn(&[u8]) -> Result<(), String>,
        input: impl Fn(S::Value) -> Vec<u8>,
    ) {
        assert!(!self.seeds.is_empty(), "target {} has no seed", self.name);
        for (n, seed) in self.seeds.iter().enumerate() {
            if let Err(problem) = check(seed) {
                panic!("{}: seed {n} fails: {problem}", self.name);
            }
        }
        let mut runner = TestRunner::new_with_rng(
            Config {
                cases: cases(),
                failure_persistence: None,
                ..Config::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &self.rng_seed()),
        );
        let outcome = runner.run(&strategy, |value| {
            let input = input(value);
            let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&input)))
                .unwrap_or_else(|_| Err("panicked".into()));
            answer.map_err(|problem| {
                let saved = self.save(&input);
                TestCaseError::fail(format!("{problem} (input saved as {saved})"))
            })
        });
        if let Err(failure) = outcome {
            panic!("{}: {failure}", self.name);
        }
    }

    /// The random source's seed: the target's name, or `FUZZ_SEED` with it.
    fn rng_seed(&self) -> [u8; 32] {
        let extra = std::env::var("FUZZ_SEED").unwrap_or_default();
        Sha256::digest(format!("{}{extra}", self.name)).into()
    }

    /// Write a failing input to the corpus; its path.
    fn save(&self, input: &[u8]) -> String {
        let hash: String = Sha256::digest(input)
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = corpus_dir(self.name).join(format!("crash-{hash}"));
        match std::fs::create_dir_all(corpus_dir(self.name))
            .and_then(|()| std::fs::write(&path, input))
        {
            Ok(()) => path.display().to_string(),
            Err(e) => format!("(not saved: {e})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_stay_within_the_input_and_splice_from_seeds() {
        let seeds = vec![b"{\"a\": 1}".to_vec(), b"x = 2".to_vec()];
        let tokens = tokens();
        let mut input = Vec::new();
        for m in [
            Mutation::Flip(7, 0),
            Mutation::Delete(3, 10),
            Mutation::Insert(99, 0),
            Mutation::Repeat(0, 1, 3),
            Mutation::Splice(1, 0, 5),
        ] {
            apply(&mut input, &m, &seeds, &tokens);
        }
        assert_eq!(input, b"x = 2\"\"\"\"");
    }

    #[test]
    #[should_panic(expected = "seed 0 fails")]
    fn a_check_that_refuses_an_input_fails_the_target() {
        Target::new("none").seed("x").run(|_| Err("refused".into()));
    }
}
