//! `tradai local up` (until the services exist: validation of every environment, said plainly).

use crate::helpers::tradai;

/// Outside the workspace the embedded config is used, and the command says what it does.
#[test]
fn validates_the_embedded_config_and_says_so() {
    let empty = tempfile::tempdir().expect("dir");
    let out = tradai()
        .current_dir(empty.path())
        .args(["local", "up"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.starts_with(
            "tradai local up: the services (backend, strategy, data-collection) are not built yet;"
        ),
        "{text}"
    );
    assert_eq!(text.matches(": valid (").count(), 3, "{text}");
}
