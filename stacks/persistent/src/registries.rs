//! ECR: the service repositories and one per Lambda, scanned on push, keeping the newest N images.

use pulumi_gestalt_rust::{Context, Output};
use serde_json::json;
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::ecr;
use tradai_pulumi_aws::types::ecr as ecr_types;
use tradai_stack_kit::tags;

/// Create every repository; returns (repository key, repository URL output).
pub fn repositories(ctx: &Context, config: &Config) -> Vec<(String, Output<String>)> {
    let settings = &config.settings().ecr;
    let keep = json!({"rules": [{
        "rulePriority": 1,
        "description": format!("keep the newest {} images", settings.image_retention_count),
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": settings.image_retention_count},
        "action": {"type": "expire"}
    }]})
    .to_string();
    let mut created = Vec::new();
    for repository in config.ecr_repositories() {
        let name = repository.name.to_string();
        let scanning = ecr_types::RepositoryImageScanningConfiguration::builder()
            .scan_on_push(settings.scan_on_push)
            .build_struct();
        let repo = ecr::repository::create(
            ctx,
            &name,
            ecr::repository::RepositoryArgs::builder()
                .name(name.clone())
                .image_tag_mutability("IMMUTABLE")
                .image_scanning_configuration(scanning)
                .tags(tags(config, Layer::Persistent, &repository.key))
                .build_struct(),
        );
        ecr::lifecycle_policy::create(
            ctx,
            &format!("{name}-lifecycle"),
            ecr::lifecycle_policy::LifecyclePolicyArgs::builder()
                .repository(repo.name.clone())
                .policy(keep.clone())
                .build_struct(),
        );
        created.push((repository.key, repo.repository_url));
    }
    created
}
