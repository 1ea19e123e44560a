//! One EC2 instance kept alive by an auto-scaling group of one: an instance profile for a role, a launch
//! template requiring IMDSv2, and the group. The NAT instance (foundation) and the consolidated ECS host
//! (compute) are both built this way.

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::types::{autoscaling as asg_types, ec2 as ec2_types};
use tradai_pulumi_aws::{autoscaling, ec2, iam};

use crate::tags;

/// What the instance runs and where.
pub struct InstanceGroup {
    pub layer: Layer,
    /// Name component: `<component>-profile`, `<component>-lt` and the group `<component>`.
    pub component: &'static str,
    /// AMI id or `resolve:ssm:` parameter.
    pub image: &'static str,
    pub instance_type: String,
    /// The role the instance profile carries.
    pub role_name: Output<String>,
    pub security_group: Output<String>,
    pub subnets: Output<Vec<String>>,
    pub public_ip: bool,
    /// Base64 user data.
    pub user_data: Output<String>,
    /// Detailed (1-minute) monitoring.
    pub detailed_monitoring: bool,
    /// Group metrics to collect (e.g. `GroupInServiceInstances`, for an alarm).
    pub enabled_metrics: Vec<String>,
    /// Lifecycle hooks the group has from its creation, so they hold its first launch too (a hook created as
    /// a resource of its own exists only after the group has launched its first instance).
    pub initial_hooks: Vec<asg_types::GroupInitialLifecycleHook>,
}

impl std::fmt::Debug for InstanceGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceGroup")
            .field("component", &self.component)
            .field("instance_type", &self.instance_type)
            .finish_non_exhaustive()
    }
}

/// The created group.
pub struct Group {
    pub name: Output<String>,
    pub arn: Output<String>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group").finish_non_exhaustive()
    }
}

impl InstanceGroup {
    /// Create the profile, the launch template and the group.
    pub fn create(self, ctx: &Context, config: &Config) -> Group {
        let names = config.names();
        let component = self.component;
        let profile_name = names.resource(&format!("{component}-profile"));
        let profile = iam::instance_profile::create(
            ctx,
            &profile_name,
            iam::instance_profile::InstanceProfileArgs::builder()
                .name(profile_name.clone())
                .role(self.role_name)
                .tags(tags(config, self.layer, component))
                .build_struct(),
        );
        let interface = ec2_types::LaunchTemplateNetworkInterface::builder()
            .device_index(0)
            .associate_public_ip_address(self.public_ip.to_string())
            .delete_on_termination("true")
            .security_groups(vec![])
            .build_struct();
        let interfaces = self.security_group.map(move |group: String| {
            vec![ec2_types::LaunchTemplateNetworkInterface {
                security_groups: Some(vec![group]),
                ..interface.clone()
            }]
        });
        let template_name = names.resource(&format!("{component}-lt"));
        let template = ec2::launch_template::create(
            ctx,
            &template_name,
            ec2::launch_template::LaunchTemplateArgs::builder()
                .name(template_name.clone())
                .image_id(self.image)
                .instance_type(self.instance_type)
                .iam_instance_profile(profile.name.map(|name| {
                    ec2_types::LaunchTemplateIamInstanceProfile::builder()
                        .name(name)
                        .build_struct()
                }))
                .metadata_options(
                    ec2_types::LaunchTemplateMetadataOptions::builder()
                        .http_endpoint("enabled")
                        .http_tokens("required")
                        .http_put_response_hop_limit(1)
                        .build_struct(),
                )
                .maybe_monitoring(self.detailed_monitoring.then(|| {
                    ec2_types::LaunchTemplateMonitoring::builder()
                        .enabled(true)
                        .build_struct()
                }))
                .network_interfaces(interfaces)
                .user_data(self.user_data)
                .tags(tags(config, self.layer, component))
                .build_struct(),
        );
        let group_name = names.resource(component);
        let group = autoscaling::group::create(
            ctx,
            &group_name,
            autoscaling::group::GroupArgs::builder()
                .name(group_name.clone())
                .min_size(1)
                .max_size(1)
                .desired_capacity(1)
                .health_check_type("EC2")
                .maybe_enabled_metrics(
                    (!self.enabled_metrics.is_empty()).then_some(self.enabled_metrics),
                )
                .vpc_zone_identifiers(self.subnets)
                .maybe_initial_lifecycle_hooks(
                    (!self.initial_hooks.is_empty()).then_some(self.initial_hooks),
                )
                .launch_template(template.id.map(|id| {
                    asg_types::GroupLaunchTemplate::builder()
                        .id(id)
                        .version("$Latest")
                        .build_struct()
                }))
                .tags(vec![asg_types::GroupTag::builder()
                    .key("Name")
                    .value(group_name.clone())
                    .propagate_at_launch(true)
                    .build_struct()])
                .build_struct(),
        );
        Group {
            name: group.name,
            arn: group.arn,
        }
    }
}
