//! RDS PostgreSQL for MLflow: private, encrypted, managed master password rotated on the configured schedule.

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::types::secretsmanager as secret_types;
use tradai_pulumi_aws::{rds, secretsmanager};
use tradai_stack_kit::{collect, int, tags};

use crate::network::Network;
use crate::security::Groups;

/// What compute needs of the database.
pub struct Database {
    pub endpoint: Output<String>,
    pub secret_arn: Output<String>,
}

/// Create the subnet group, the instance and the rotation of its secret.
pub fn database(ctx: &Context, config: &Config, net: &Network, groups: &Groups) -> Database {
    let names = config.names();
    let db = &config.settings().database;
    let protect = config.settings().dynamodb.deletion_protection;
    let identifier = names.environment_wide();
    let subnet_group = rds::subnet_group::create(
        ctx,
        &format!("{identifier}-db-subnet"),
        rds::subnet_group::SubnetGroupArgs::builder()
            .name(format!("{identifier}-db-subnet"))
            .subnet_ids(collect(ctx, &net.database))
            .tags(tags(config, Layer::Foundation, "db-subnet"))
            .build_struct(),
    );
    let instance = rds::instance::create(
        ctx,
        &identifier,
        rds::instance::InstanceArgs::builder()
            .identifier(identifier.clone())
            .engine("postgres")
            .engine_version(db.engine_version.clone())
            .instance_class(db.instance_class.clone())
            .allocated_storage(int(db.allocated_storage_gib))
            .max_allocated_storage(int(db.max_allocated_storage_gib))
            .storage_encrypted(true)
            .multi_az(db.multi_az)
            .db_name(db.database_name.clone())
            .port(int(db.port))
            .username("mlflow_admin")
            .manage_master_user_password(true)
            .backup_retention_period(int(db.backup_retention_days))
            .db_subnet_group_name(subnet_group.name)
            .vpc_security_group_ids(groups.ids["rds"].map(|id| vec![id]))
            .publicly_accessible(false)
            .deletion_protection(protect)
            .skip_final_snapshot(!protect)
            .final_snapshot_identifier(protect.then(|| format!("{identifier}-final")))
            .copy_tags_to_snapshot(true)
            .auto_minor_version_upgrade(true)
            .tags(tags(config, Layer::Foundation, "database"))
            .build_struct(),
    );
    let secret_arn = instance.master_user_secrets.map(|secrets| {
        secrets
            .into_iter()
            .find_map(|s| s.secret_arn)
            .unwrap_or_default()
    });
    let rules = secret_types::SecretRotationRotationRules::builder()
        .automatically_after_days(int(db.secret_rotation_days))
        .build_struct();
    secretsmanager::secret_rotation::create(
        ctx,
        &format!("{identifier}-secret-rotation"),
        secretsmanager::secret_rotation::SecretRotationArgs::builder()
            .secret_id(secret_arn.clone())
            .rotation_rules(rules)
            .build_struct(),
    );
    Database {
        endpoint: instance.endpoint,
        secret_arn,
    }
}
