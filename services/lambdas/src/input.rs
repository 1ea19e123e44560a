//! Typed handler inputs: parsing an event into a handler's `Input` with errors that name the field, and the
//! field types the reference's contracts use (a required non-empty text, an optional text where blank means
//! absent).

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::HandlerError;

/// `event` as `T`; a problem is a `ValidationError` on the field it is about (`params.symbols[1]`, or the
/// missing field's name), with serde's explanation of what is allowed.
pub fn parse<T: DeserializeOwned>(event: Value) -> Result<T, HandlerError> {
    serde_path_to_error::deserialize(event).map_err(|e| {
        let message = e.inner().to_string();
        let path = e.path().to_string();
        let field = match missing_field(&message) {
            Some(name) if path == "." => name.to_owned(),
            Some(name) => format!("{path}.{name}"),
            None if path == "." => "input".to_owned(),
            None => path,
        };
        HandlerError::invalid(&field, message)
    })
}

/// The field named by serde's "missing field `x`".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// A required text that is not blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.trim().is_empty() {
            Err(D::Error::custom("a non-empty string is required"))
        } else {
            Ok(Text(text))
        }
    }
}

/// For `#[serde(default, deserialize_with = "blank")]`: an optional text where null, absent and blank are
/// all `None`.
pub fn blank<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    Ok(text.filter(|t| !t.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        job_id: Text,
        #[serde(default, deserialize_with = "blank")]
        note: Option<String>,
        nested: Option<Nested>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        count: u32,
    }

    fn field(event: Value) -> String {
        match parse::<Sample>(event) {
            Err(HandlerError::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn problems_name_the_field() {
        assert_eq!(field(json!({})), "job_id");
        assert_eq!(field(json!({"job_id": "  "})), "job_id");
        assert_eq!(field(json!({"job_id": 3})), "job_id");
        assert_eq!(field(json!({"job_id": "j", "nested": {}})), "nested.count");
        assert_eq!(
            field(json!({"job_id": "j", "nested": {"count": -1}})),
            "nested.count"
        );
        assert_eq!(field(json!("text")), "input");
    }

    #[test]
    fn blank_optional_text_is_absent() {
        let sample: Sample = parse(json!({"job_id": "j", "note": " "})).expect("parse");
        assert_eq!((sample.job_id.as_str(), sample.note), ("j", None));
        let sample: Sample =
            parse(json!({"job_id": "j", "note": null, "extra": 1})).expect("parse");
        assert_eq!(sample.note, None, "extra fields are allowed");
    }
}
