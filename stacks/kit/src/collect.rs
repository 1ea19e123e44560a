//! Joining several outputs into one.

use pulumi_gestalt_rust::{Context, Output};

/// The values of `items`, in order, once all are known.
pub fn collect(ctx: &Context, items: &[Output<String>]) -> Output<Vec<String>> {
    items
        .iter()
        .fold(ctx.new_output(&Vec::<String>::new()), |all, item| {
            pulumi_gestalt_rust::pulumi_combine!(all, item.clone()).map(
                |(mut all, item): (Vec<String>, String)| {
                    all.push(item);
                    all
                },
            )
        })
}

/// A config number as the `i32` the bindings take for integer properties (config values are validated small;
/// anything larger saturates).
pub fn int<T: TryInto<i32>>(value: T) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}
