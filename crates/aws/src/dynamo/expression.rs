//! A [`Condition`] as a DynamoDB condition expression, with its attribute names and values as placeholders.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use tradai_domain::ports::Condition;

/// The placeholders of one request's expressions.
#[derive(Debug, Default)]
pub(super) struct Expression {
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl Expression {
    /// The placeholder of attribute `attr`.
    pub fn name(&mut self, attr: &str) -> String {
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    /// The placeholder of `value`.
    pub fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// The expression of `condition`; `None` when it can never hold (an empty `OneOf`), so nothing is sent.
    pub fn render(&mut self, condition: &Condition) -> Option<String> {
        match condition {
            Condition::OneOf(_, allowed) if allowed.is_empty() => None,
            Condition::OneOf(field, allowed) => {
                let name = self.name(field);
                let options: Vec<String> = allowed
                    .iter()
                    .map(|v| self.value(AttributeValue::S(v.clone())))
                    .collect();
                Some(format!("{name} IN ({})", options.join(", ")))
            }
            Condition::Missing(field) => {
                Some(format!("attribute_not_exists({})", self.name(field)))
            }
            Condition::Below(field, limit) => {
                let name = self.name(field);
                Some(format!(
                    "{name} < {}",
                    self.value(AttributeValue::N(limit.to_string()))
                ))
            }
            Condition::All(all) => {
                let parts: Option<Vec<String>> = all.iter().map(|c| self.render(c)).collect();
                parts.map(|p| join(&p, " AND ", "attribute_exists(#pk)"))
            }
            Condition::Any(any) => {
                let parts: Vec<String> = any.iter().filter_map(|c| self.render(c)).collect();
                (!parts.is_empty()).then(|| join(&parts, " OR ", ""))
            }
        }
    }
}

/// `parts` joined by `op`, each in parentheses; `empty` when there are none.
fn join(parts: &[String], op: &str, empty: &str) -> String {
    if parts.is_empty() {
        return empty.to_owned();
    }
    parts
        .iter()
        .map(|p| format!("({p})"))
        .collect::<Vec<_>>()
        .join(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_renders_with_placeholders_only() {
        let mut e = Expression::default();
        let guard = Condition::Any(vec![
            Condition::equals("status", "pending"),
            Condition::All(vec![
                Condition::equals("status", "running"),
                Condition::Any(vec![
                    Condition::Missing("attempt_id".into()),
                    Condition::Below("lease_until".into(), 100),
                ]),
            ]),
        ]);
        let text = e.render(&guard).expect("can hold");
        assert_eq!(
            text,
            "(#n0 IN (:v0)) OR ((#n1 IN (:v1)) AND ((attribute_not_exists(#n2)) OR (#n3 < :v2)))"
        );
        assert_eq!(e.names["#n3"], "lease_until");
        assert_eq!(e.values[":v2"], AttributeValue::N("100".into()));
    }

    #[test]
    fn a_condition_that_cannot_hold_renders_nothing() {
        let mut e = Expression::default();
        assert_eq!(e.render(&Condition::OneOf("status".into(), vec![])), None);
        let all = Condition::All(vec![
            Condition::Missing("a".into()),
            Condition::OneOf("b".into(), vec![]),
        ]);
        assert_eq!(e.render(&all), None);
        let any = Condition::Any(vec![Condition::OneOf("b".into(), vec![])]);
        assert_eq!(e.render(&any), None);
        let some = Condition::Any(vec![
            Condition::OneOf("b".into(), vec![]),
            Condition::Missing("a".into()),
        ]);
        assert!(e.render(&some).is_some());
    }
}
