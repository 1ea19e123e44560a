//! `tradai-pulumi-aws`: typed pulumi-gestalt bindings of the pulumi-aws resources listed in `resources.txt`,
//! e.g. `s3::bucket::create(ctx, "name", BucketArgs::builder()…build_struct())`. Generated at build time from
//! `schema/aws.json`; compiled in their own crate so the stacks rebuild in seconds.
#![allow(warnings, clippy::all, clippy::pedantic)]

pulumi_gestalt_rust::include_provider!("aws");
