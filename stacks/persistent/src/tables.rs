//! The DynamoDB tables exactly as the config defines them: keys, indexes, TTL, PITR, encryption, on-demand.

use std::collections::BTreeMap;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{AttributeType, Config, Layer};
use tradai_pulumi_aws::dynamodb;
use tradai_pulumi_aws::types::dynamodb as table_types;
use tradai_stack_kit::tags;

fn attribute_type(kind: AttributeType) -> &'static str {
    match kind {
        AttributeType::S => "S",
        AttributeType::N => "N",
        AttributeType::B => "B",
    }
}

/// Create every table; returns (config key, table name output).
pub fn tables(ctx: &Context, config: &Config) -> Vec<(String, Output<String>)> {
    let names = config.names();
    let protect = config.settings().dynamodb.deletion_protection;
    let mut created = Vec::new();
    for (key, spec) in &config.settings().tables {
        let name = names.table(key).to_string();
        let attributes: BTreeMap<&str, AttributeType> = spec
            .key_attributes()
            .map(|k| (k.name.as_str(), k.kind))
            .collect();
        let attributes: Vec<_> = attributes
            .into_iter()
            .map(|(attr, kind)| {
                table_types::TableAttribute::builder()
                    .name(attr)
                    .type_(attribute_type(kind))
                    .build_struct()
            })
            .collect();
        let indexes: Vec<_> = spec
            .gsis
            .iter()
            .map(|gsi| {
                table_types::TableGlobalSecondaryIndex::builder()
                    .name(gsi.name.clone())
                    .hash_key(gsi.partition_key.name.clone())
                    .maybe_range_key(gsi.sort_key.as_ref().map(|k| k.name.clone()))
                    .projection_type("ALL")
                    .build_struct()
            })
            .collect();
        let ttl = spec.ttl_attribute.as_ref().map(|attr| {
            table_types::TableTtl::builder()
                .attribute_name(attr.clone())
                .enabled(true)
                .build_struct()
        });
        let table = dynamodb::table::create(
            ctx,
            &name,
            dynamodb::table::TableArgs::builder()
                .name(name.clone())
                .billing_mode("PAY_PER_REQUEST")
                .hash_key(spec.partition_key.name.clone())
                .range_key(spec.sort_key.as_ref().map(|k| k.name.clone()))
                .attributes(attributes)
                .global_secondary_indexes(indexes)
                .ttl(ttl)
                .point_in_time_recovery(
                    table_types::TablePointInTimeRecovery::builder()
                        .enabled(spec.pitr)
                        .build_struct(),
                )
                .server_side_encryption(
                    table_types::TableServerSideEncryption::builder()
                        .enabled(true)
                        .build_struct(),
                )
                .deletion_protection_enabled(protect)
                .tags(tags(config, Layer::Persistent, key))
                .build_struct(),
        );
        created.push((key.clone(), table.name));
    }
    created
}
