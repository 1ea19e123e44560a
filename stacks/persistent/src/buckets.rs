//! The five buckets: SSE-S3, public access blocked, versioning and expiry as the config says.

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::s3;
use tradai_pulumi_aws::types::s3 as s3_types;
use tradai_stack_kit::{int, tags};

/// Create every bucket of the config; returns (config key, bucket name output).
pub fn buckets(ctx: &Context, config: &Config) -> Vec<(String, Output<String>)> {
    let mut created = Vec::new();
    for (key, spec) in &config.settings().buckets {
        let name = config.names().bucket(key).to_string();
        let bucket = secure_bucket(ctx, config, &name, key, spec.versioning);
        if !spec.lifecycle.is_empty() {
            let rules = spec
                .lifecycle
                .iter()
                .map(|rule| {
                    let filter = s3_types::BucketLifecycleConfigurationRuleFilter::builder()
                        .prefix(rule.prefix.clone())
                        .build_struct();
                    let expiration =
                        s3_types::BucketLifecycleConfigurationRuleExpiration::builder()
                            .days(int(rule.expire_after_days))
                            .build_struct();
                    s3_types::BucketLifecycleConfigurationRule::builder()
                        .id(rule.id.clone())
                        .status("Enabled")
                        .filter(filter)
                        .expiration(expiration)
                        .build_struct()
                })
                .collect::<Vec<_>>();
            s3::bucket_lifecycle_configuration::create(
                ctx,
                &format!("{name}-lifecycle"),
                s3::bucket_lifecycle_configuration::BucketLifecycleConfigurationArgs::builder()
                    .bucket(bucket.clone())
                    .rules(rules)
                    .build_struct(),
            );
        }
        created.push((key.clone(), bucket));
    }
    created
}

/// A bucket with SSE-S3 and every public access blocked, versioned if asked; returns its name output.
pub fn secure_bucket(
    ctx: &Context,
    config: &Config,
    name: &str,
    component: &str,
    versioning: bool,
) -> Output<String> {
    let bucket = s3::bucket::create(
        ctx,
        name,
        s3::bucket::BucketArgs::builder()
            .bucket(name.to_owned())
            .force_destroy(false)
            .tags(tags(config, Layer::Persistent, component))
            .build_struct(),
    );
    let default = s3_types::BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefault::builder().sse_algorithm("AES256").build_struct();
    let rule = s3_types::BucketServerSideEncryptionConfigurationRule::builder()
        .apply_server_side_encryption_by_default(default)
        .build_struct();
    s3::bucket_server_side_encryption_configuration::create(
        ctx,
        &format!("{name}-sse"),
        s3::bucket_server_side_encryption_configuration::BucketServerSideEncryptionConfigurationArgs::builder().bucket(bucket.bucket.clone()).rules(vec![rule]).build_struct(),
    );
    s3::bucket_public_access_block::create(
        ctx,
        &format!("{name}-public-access"),
        s3::bucket_public_access_block::BucketPublicAccessBlockArgs::builder()
            .bucket(bucket.bucket.clone())
            .block_public_acls(true)
            .block_public_policy(true)
            .ignore_public_acls(true)
            .restrict_public_buckets(true)
            .build_struct(),
    );
    if versioning {
        let status = s3_types::BucketVersioningVersioningConfiguration::builder()
            .status("Enabled")
            .build_struct();
        s3::bucket_versioning::create(
            ctx,
            &format!("{name}-versioning"),
            s3::bucket_versioning::BucketVersioningArgs::builder()
                .bucket(bucket.bucket.clone())
                .versioning_configuration(status)
                .build_struct(),
        );
    }
    bucket.bucket
}
