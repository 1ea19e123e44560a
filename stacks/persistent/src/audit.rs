//! CloudTrail into the logs bucket, and the Pulumi state bucket.

use pulumi_gestalt_rust::{Context, Output};
use serde_json::json;
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::{cloudtrail, s3};
use tradai_stack_kit::{tags, PolicyBuilder};

/// Create the trail writing to the logs bucket; returns the trail ARN.
pub fn trail(ctx: &Context, config: &Config) -> Output<String> {
    let names = config.names();
    let bucket = names.bucket("logs").to_string();
    let trail_name = names.resource("trail");
    let arn = format!("arn:aws:s3:::{bucket}");
    let policy = PolicyBuilder::new()
        .allow_service(
            "CloudTrailAclCheck",
            "cloudtrail.amazonaws.com",
            &["s3:GetBucketAcl"],
            &[&arn],
            None,
        )
        .allow_service(
            "CloudTrailWrite",
            "cloudtrail.amazonaws.com",
            &["s3:PutObject"],
            &[format!("{arn}/cloudtrail/AWSLogs/*")],
            Some(json!({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}})),
        )
        .deny_insecure_transport(&[arn.clone(), format!("{arn}/*")])
        .build()
        .expect("the trail's bucket policy names its actions and resources");
    let bucket_policy = s3::bucket_policy::create(
        ctx,
        &format!("{bucket}-policy"),
        s3::bucket_policy::BucketPolicyArgs::builder()
            .bucket(bucket)
            .policy(policy)
            .build_struct(),
    );
    // The trail takes the bucket from the policy's output, so it is created after the policy exists.
    let trail = cloudtrail::trail::create(
        ctx,
        &trail_name,
        cloudtrail::trail::TrailArgs::builder()
            .name(trail_name.clone())
            .s3_bucket_name(bucket_policy.bucket)
            .s3_key_prefix("cloudtrail")
            .is_multi_region_trail(true)
            .include_global_service_events(true)
            .enable_log_file_validation(true)
            .tags(tags(config, Layer::Persistent, "trail"))
            .build_struct(),
    );
    trail.arn
}

/// The bucket that holds Pulumi state for this environment (encrypted, private, versioned).
pub fn state_bucket(ctx: &Context, config: &Config) -> Output<String> {
    let name = config.names().state_bucket().to_string();
    crate::buckets::secure_bucket(ctx, config, &name, "pulumi-state", true)
}
