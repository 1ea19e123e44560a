//! The intrinsic functions the definitions use in `.$` values, evaluated as Step Functions does:
//! `States.JsonMerge(a, b, false)` (shallow merge, `b` wins), `States.StringToJson(s)`, `States.JsonToString(v)`,
//! `States.Format('…{}…', args…)` and `States.Array(args…)`. Arguments are paths, `'strings'` (with `\'`
//! escapes), numbers, booleans, `null` or nested calls.

use serde_json::Value;

/// Evaluate `expression` with `read` answering its paths; `Err` explains what is wrong.
pub fn evaluate(expression: &str, read: &dyn Fn(&str) -> Value) -> Result<Value, String> {
    let mut parser = Parser {
        text: expression.as_bytes(),
        at: 0,
        read,
    };
    let value = parser.argument()?;
    parser.space();
    if parser.at != parser.text.len() {
        return Err(format!("unexpected text at offset {}", parser.at));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
    read: &'a dyn Fn(&str) -> Value,
}

impl Parser<'_> {
    fn space(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// Bytes up to (not including) the first of `stops`, or the end.
    fn token(&mut self, stops: &[u8]) -> String {
        let start = self.at;
        while self.text.get(self.at).is_some_and(|b| !stops.contains(b)) {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.text[start..self.at])
            .trim()
            .to_owned()
    }

    fn argument(&mut self) -> Result<Value, String> {
        self.space();
        match self.text.get(self.at) {
            None => Err("an argument is missing".into()),
            Some(b'\'') => self.string(),
            Some(b'$') => Ok((self.read)(&self.token(b",)"))),
            Some(_) => {
                let word = self.token(b",()");
                if self.text.get(self.at) == Some(&b'(') {
                    self.at += 1;
                    let arguments = self.arguments()?;
                    call(&word, arguments)
                } else {
                    serde_json::from_str(&word).map_err(|_| format!("'{word}' is not an argument"))
                }
            }
        }
    }

    /// Arguments after `(`, through the closing `)`.
    fn arguments(&mut self) -> Result<Vec<Value>, String> {
        let mut out = Vec::new();
        self.space();
        if self.text.get(self.at) == Some(&b')') {
            self.at += 1;
            return Ok(out);
        }
        loop {
            out.push(self.argument()?);
            self.space();
            match self.text.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b')') => {
                    self.at += 1;
                    return Ok(out);
                }
                _ => return Err("an argument list is not closed with ')'".into()),
            }
        }
    }

    fn string(&mut self) -> Result<Value, String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.text.get(self.at) {
                None => return Err("a string is not closed with '".into()),
                Some(b'\\') => {
                    let escaped = self.text.get(self.at + 1).ok_or("a string ends in \\")?;
                    out.push(*escaped);
                    self.at += 2;
                }
                Some(b'\'') => {
                    self.at += 1;
                    return Ok(Value::String(String::from_utf8_lossy(&out).into_owned()));
                }
                Some(b) => {
                    out.push(*b);
                    self.at += 1;
                }
            }
        }
    }
}

fn arity(
    name: &str,
    arguments: &[Value],
    allowed: std::ops::RangeInclusive<usize>,
) -> Result<(), String> {
    if allowed.contains(&arguments.len()) {
        Ok(())
    } else {
        Err(format!(
            "{name} takes {allowed:?} arguments, not {}",
            arguments.len()
        ))
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

fn call(name: &str, arguments: Vec<Value>) -> Result<Value, String> {
    match name {
        "States.JsonMerge" => {
            arity(name, &arguments, 3..=3)?;
            if arguments[2] != Value::Bool(false) {
                return Err("States.JsonMerge supports only a shallow merge (false)".into());
            }
            match (&arguments[0], &arguments[1]) {
                (Value::Object(a), Value::Object(b)) => {
                    let mut merged = a.clone();
                    merged.extend(b.iter().map(|(k, v)| (k.clone(), v.clone())));
                    Ok(Value::Object(merged))
                }
                _ => Err("States.JsonMerge merges two objects".into()),
            }
        }
        "States.StringToJson" => {
            arity(name, &arguments, 1..=1)?;
            let source = arguments[0]
                .as_str()
                .ok_or("States.StringToJson takes a string")?;
            serde_json::from_str(source).map_err(|e| format!("States.StringToJson: {e}"))
        }
        "States.JsonToString" => {
            arity(name, &arguments, 1..=1)?;
            Ok(Value::String(arguments[0].to_string()))
        }
        "States.Format" => {
            let (template, values) = arguments
                .split_first()
                .ok_or("States.Format needs a template")?;
            let template = template
                .as_str()
                .ok_or("States.Format's template is a string")?;
            let pieces: Vec<&str> = template.split("{}").collect();
            if pieces.len() != values.len() + 1 {
                return Err(format!(
                    "States.Format's template has {} placeholders for {} values",
                    pieces.len() - 1,
                    values.len()
                ));
            }
            let mut out = pieces[0].to_owned();
            for (value, piece) in values.iter().zip(&pieces[1..]) {
                out.push_str(&text(value));
                out.push_str(piece);
            }
            Ok(Value::String(out))
        }
        "States.Array" => Ok(Value::Array(arguments)),
        "States.MathAdd" => {
            arity(name, &arguments, 2..=2)?;
            match (arguments[0].as_i64(), arguments[1].as_i64()) {
                (Some(a), Some(b)) => a
                    .checked_add(b)
                    .map(Value::from)
                    .ok_or_else(|| "States.MathAdd overflows".into()),
                _ => Err("States.MathAdd adds two integers".into()),
            }
        }
        other => Err(format!(
            "{other} is not an intrinsic function the local executor knows"
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::evaluate;

    fn eval(expression: &str) -> Result<serde_json::Value, String> {
        let input = json!({"model_name": "m", "n": 3, "nested": {"force": true}});
        evaluate(expression, &|path| {
            crate::local::read(path, &input, &json!({"Execution": {"Name": "run-1"}}))
        })
    }

    #[test]
    fn merges_defaults_under_the_input() {
        assert_eq!(
            eval(
                r#"States.JsonMerge(States.StringToJson('{"model_name":"","force":false}'), $, false)"#
            ),
            Ok(json!({"model_name": "m", "force": false, "n": 3, "nested": {"force": true}}))
        );
    }

    #[test]
    fn formats_strings_and_arrays() {
        assert_eq!(
            eval(
                r"States.Format('{} ran {} times, it\'s {}', $.model_name, $.n, $$.Execution.Name)"
            ),
            Ok(json!("m ran 3 times, it's run-1"))
        );
        assert_eq!(
            eval("States.Array($.n, 'x', null, true)"),
            Ok(json!([3, "x", null, true]))
        );
        assert_eq!(
            eval("States.JsonToString($.nested)"),
            Ok(json!(r#"{"force":true}"#))
        );
    }

    #[test]
    fn explains_what_is_wrong() {
        assert_eq!(
            eval("States.Hash($.n)"),
            Err("States.Hash is not an intrinsic function the local executor knows".into())
        );
        assert_eq!(
            eval("States.JsonMerge($, $)"),
            Err("States.JsonMerge takes 3..=3 arguments, not 2".into())
        );
        assert_eq!(
            eval("States.StringToJson('{')").map_err(|e| e.starts_with("States.StringToJson:")),
            Err(true)
        );
        assert_eq!(
            eval("States.Format('{}', 'a'"),
            Err("an argument list is not closed with ')'".into())
        );
        assert_eq!(
            eval("States.Format('x')  y"),
            Err("unexpected text at offset 20".into())
        );
        assert_eq!(
            eval("States.Format('{}')"),
            Err("States.Format's template has 1 placeholders for 0 values".into())
        );
    }

    #[test]
    fn math_add_adds_integers_and_refuses_anything_else() {
        assert_eq!(eval("States.MathAdd($.n, 1)"), Ok(serde_json::json!(4)));
        assert_eq!(eval("States.MathAdd($.n, -3)"), Ok(serde_json::json!(0)));
        assert_eq!(
            eval("States.MathAdd($.model_name, 1)"),
            Err("States.MathAdd adds two integers".into())
        );
        assert_eq!(
            eval("States.MathAdd(9223372036854775807, 1)"),
            Err("States.MathAdd overflows".into())
        );
    }
}
